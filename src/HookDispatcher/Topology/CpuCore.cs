using HookDispatcher.Values;

namespace HookDispatcher.Topology;

/// <summary>
/// One physical core: its online threads (one, or two with SMT), and where it sits. A CPU whose siblings are
/// unknown is a core of its own, so nothing is ever paired on a guess.
/// </summary>
/// <param name="Index">Position among the host's cores, ordered by first thread (0 = the core of the lowest CPU).</param>
internal sealed class CpuCore(int Index, CpuSet Threads, int? Package, int? Node, CpuSet? Llc, CoreKind Kind)
{
    public int Index { get; } = Index;

    public CpuSet Threads { get; } = Threads;

    public int? Package { get; } = Package;

    public int? Node { get; } = Node;

    public CpuSet? Llc { get; } = Llc;

    public CoreKind Kind { get; } = Kind;

    public int First => Threads.Cpus[0];

    public string Describe() => $"core {Index} (CPU{(Threads.Count > 1 ? "s" : "")} {Threads})";
}
