namespace HookDispatcher.Tests.Topology;

/// <summary>
/// Simulated hosts with the sysfs layout of real machines. The numbering follows the kernel's enumeration as
/// `lscpu -e` shows it on those parts (ArchWiki "PCI passthrough via OVMF", "CPU pinning" shows the same
/// `lscpu -e` columns CPU/NODE/SOCKET/CORE/L1d:L1i:L2:L3) and Documentation/admin-guide/cputopology.rst for what
/// each file holds.
/// </summary>
internal static class SimHosts
{
    /// <summary>
    /// Ryzen 9 5950X: 16 cores on two CCDs, SMT siblings N and N+16 (lscpu -e: CPU 16 is CORE 0 again), one L3
    /// per CCD: CPUs 0-7,16-23 and 8-15,24-31.
    /// </summary>
    public static SysfsTopology AmdDesktop() => SysfsTopology.Of(32, c =>
        new SimCpu(c, Package: 0, Core: c % 16, Siblings: $"{c % 16},{c % 16 + 16}", Llc: c % 16 < 8 ? "0-7,16-23" : "8-15,24-31", Node: 0, Cluster: c % 16));

    /// <summary>
    /// Core i9-13900K: 8 P-cores with SMT as sibling pairs (0,1),(2,3)…(14,15), then 16 single-threaded E-cores
    /// 16-31 in clusters of four sharing an L2; one L3 for all; cpu_core/cpus 0-15, cpu_atom/cpus 16-31.
    /// </summary>
    public static SysfsTopology IntelHybrid() => SysfsTopology.Of(32, c => c < 16
        ? new SimCpu(c, 0, c / 2, $"{c & ~1},{c | 1}", "0-31", 0, Cluster: c / 2, Kind: "core")
        : new SimCpu(c, 0, 8 + c - 16, $"{c}", "0-31", 0, Cluster: 8 + (c - 16) / 4, L2: $"{16 + (c - 16) / 4 * 4}-{16 + (c - 16) / 4 * 4 + 3}", Kind: "atom"));

    /// <summary>
    /// Two 8-core Xeons with Hyper-Threading: CPUs 0-7 are socket 0's cores, 8-15 socket 1's, 16-31 their siblings
    /// in the same order (lscpu -e on dual-socket Intel servers); one L3 and one NUMA node per socket; the GPU
    /// 0000:81:00.0 hangs off socket 1's root complex (numa_node 1).
    /// </summary>
    public static SysfsTopology TwoSocket() => SysfsTopology.Of(32, c =>
        new SimCpu(c, Package: c % 16 / 8, Core: c % 8, Siblings: $"{c % 16},{c % 16 + 16}", Llc: c % 16 < 8 ? "0-7,16-23" : "8-15,24-31", Node: c % 16 / 8))
        .WithGpu(Gpu, 1);

    public const string Gpu = "0000:81:00.0";

    /// <summary>A 4-core laptop part without SMT (Celeron N5100 class): one thread per core, one shared L3.</summary>
    public static SysfsTopology Laptop() => SysfsTopology.Of(4, c => new SimCpu(c, 0, c, $"{c}", "0-3", 0));

    /// <summary>
    /// An 8-core SMT part (Ryzen 7 3700X: two CCXs of four, L3 0-3,8-11 and 4-7,12-15; siblings N and N+8) with
    /// CPUs 7 and 15 (all of core 7) and 13 (core 5's second thread) taken offline.
    /// </summary>
    public static SysfsTopology WithOffline() => SysfsTopology.Of(16, c =>
        new SimCpu(c, 0, c % 8, $"{c % 8},{c % 8 + 8}", c % 8 < 4 ? "0-3,8-11" : "4-7,12-15", 0, Online: c is not (7 or 13 or 15)));
}
