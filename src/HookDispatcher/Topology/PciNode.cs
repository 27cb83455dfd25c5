using HookDispatcher.Values;

namespace HookDispatcher.Topology;

/// <summary>A PCI hostdev and the NUMA node sysfs puts it on (null: the kernel does not say).</summary>
internal sealed class PciNode(PciAddress Address, int? Node)
{
    public PciAddress Address { get; } = Address;

    public int? Node { get; } = Node;
}
