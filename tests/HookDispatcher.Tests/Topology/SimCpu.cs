namespace HookDispatcher.Tests.Topology;

/// <summary>One logical CPU of a simulated host, in the terms of cputopology.rst; lists in kernel list syntax.</summary>
/// <param name="L2">The CPUs sharing its L2 (default: its siblings).</param>
/// <param name="Kind">"core" (P-core) or "atom" (E-core) on a hybrid part, else null.</param>
internal sealed record SimCpu(
    int Id,
    int Package,
    int Core,
    string Siblings,
    string Llc,
    int Node,
    int Die = 0,
    int Cluster = -1,
    string? L2 = null,
    string? Kind = null,
    bool Online = true);
