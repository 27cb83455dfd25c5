using HookDispatcher.Values;

namespace HookDispatcher.Topology;

/// <summary>
/// One logical CPU as sysfs describes it (<c>/sys/devices/system/cpu/cpuN/topology</c>, <c>cache/index*</c>, the
/// node it sits in). Every field the kernel did not expose is null ("unknown"), never a guess.
/// </summary>
/// <param name="Siblings">thread_siblings_list (core_cpus_list on newer kernels): the CPUs of its core.</param>
/// <param name="Llc">shared_cpu_list of its highest cache level: the CPUs sharing its last-level cache.</param>
internal sealed class LogicalCpu(
    int Id,
    bool Online,
    int? Package,
    int? Die,
    int? Cluster,
    int? Core,
    CpuSet? Siblings,
    CpuSet? Llc,
    int? LlcLevel,
    int? Node,
    CoreKind Kind)
{
    public int Id { get; } = Id;

    public bool Online { get; } = Online;

    public int? Package { get; } = Package;

    public int? Die { get; } = Die;

    public int? Cluster { get; } = Cluster;

    public int? Core { get; } = Core;

    public CpuSet? Siblings { get; } = Siblings;

    public CpuSet? Llc { get; } = Llc;

    public int? LlcLevel { get; } = LlcLevel;

    public int? Node { get; } = Node;

    public CoreKind Kind { get; } = Kind;
}
