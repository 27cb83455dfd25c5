using HookDispatcher.Engine;
using HookDispatcher.Values;

namespace HookDispatcher.Handlers.Gpu;

/// <summary>
/// Says, in the plan and the journal, which hostdevs the handler leaves alone because libvirt binds them itself
/// (managed='yes'). Changes nothing; its record only tells <c>hookctl status</c>.
/// </summary>
internal sealed class LeftToLibvirtStep(IReadOnlyList<PciAddress> devices) : Step
{
    public const string Action = "leftToLibvirt";

    public override string Id => "gpu.managed";

    public override string Kind => GpuRecords.LeftToLibvirt;

    public override string Summary => $"leave {string.Join(", ", devices)} to libvirt (managed='yes' in the domain XML)";

    public override IReadOnlyList<string> Actions =>
        [$"nothing: libvirt binds managed hostdevs to vfio-pci after prepare and back before release (\"bindManaged\": true makes the hook do it)"];

    public override void Apply(StepScope scope) =>
        scope.Done(new GpuLeftToLibvirtData { Devices = [.. devices.Select(d => d.ToString())] });
}
