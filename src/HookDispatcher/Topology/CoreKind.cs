namespace HookDispatcher.Topology;

/// <summary>
/// The core type of a hybrid part, as the kernel exposes it (<c>/sys/devices/cpu_core/cpus</c> lists the P-cores'
/// CPUs, <c>/sys/devices/cpu_atom/cpus</c> the E-cores'); <see cref="Unknown"/> everywhere else.
/// </summary>
internal enum CoreKind
{
    Unknown,
    Performance,
    Efficiency,
}
