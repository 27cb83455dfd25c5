using HookDispatcher.Values;

namespace HookDispatcher.Topology;

/// <summary>
/// One logical CPU as sysfs describes it (<c>/sys/devices/system/cpu/cpuN/topology</c>, <c>cache/index*</c>, the
/// node it sits in). Every field the kernel did not expose is null ("unknown"), never a guess.
/// </summary>
/// <param name="Siblings">thread_siblings_list (core_cpus_list on newer kernels): the CPUs of its core.</param>
/// <param name="Llc">shared_cpu_list of its highest cache level: the CPUs sharing its last-level cache.</param>
internal sealed record LogicalCpu(
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
    CoreKind Kind);
