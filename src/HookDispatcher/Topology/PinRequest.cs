using HookDispatcher.Values;

namespace HookDispatcher.Topology;

/// <summary>What <c>hookctl pin</c> is asked for, with the placement facts read from the domain.</summary>
/// <param name="HostCores">K: whole cores the host keeps (the first ones), where the emulator and iothreads run.</param>
/// <param name="Gpus">Each PCI hostdev and its NUMA node (null: the kernel does not say).</param>
/// <param name="HugepageNodes">numatune's memory nodeset; null when the domain does not bind its memory.</param>
internal sealed record PinRequest(
    int Vcpus,
    int HostCores,
    int IoThreads,
    IReadOnlyList<(PciAddress Address, int? Node)> Gpus,
    CpuSet? HugepageNodes);
