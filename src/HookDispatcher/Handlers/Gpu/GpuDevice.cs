using HookDispatcher.Values;

namespace HookDispatcher.Handlers.Gpu;

/// <summary>A PCI function the handler will bind, as found at planning: its IOMMU group, class and current driver.</summary>
internal sealed record GpuDevice(PciAddress Address, string Group, uint Class, string? Driver);
