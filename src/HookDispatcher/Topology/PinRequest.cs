using HookDispatcher.Values;

namespace HookDispatcher.Topology;

/// <summary>What <c>hookctl pin</c> is asked for, with the placement facts read from the domain.</summary>
/// <param name="HostCores">K: whole cores the host keeps (the first ones), where the emulator and iothreads run.</param>
/// <param name="HugepageNodes">numatune's memory nodeset; null when the domain does not bind its memory.</param>
internal sealed class PinRequest(
    int Vcpus,
    int HostCores,
    int IoThreads,
    IReadOnlyList<PciNode> Gpus,
    CpuSet? HugepageNodes)
{
    public int Vcpus { get; } = Vcpus;

    public int HostCores { get; } = HostCores;

    public int IoThreads { get; } = IoThreads;

    public IReadOnlyList<PciNode> Gpus { get; } = Gpus;

    public CpuSet? HugepageNodes { get; } = HugepageNodes;
}
