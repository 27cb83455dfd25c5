using System.Globalization;
using HookDispatcher.Host;
using HookDispatcher.Values;

namespace HookDispatcher.Topology;

/// <summary>
/// Reads the CPU topology from sysfs as the kernel documents it (Documentation/admin-guide/cputopology.rst,
/// Documentation/ABI/stable/sysfs-devices-system-cpu), through the host root. A file that is missing or does not
/// parse makes that one fact unknown; nothing is inferred from CPU numbering.
/// </summary>
internal static class CpuTopologyReader
{
    public const string CpuDir = "/sys/devices/system/cpu";
    public const string NodeDir = "/sys/devices/system/node";
    public const string PerformanceCpus = "/sys/devices/cpu_core/cpus";
    public const string EfficiencyCpus = "/sys/devices/cpu_atom/cpus";

    public static CpuTopology Read(IHostFs fs)
    {
        var ids = Numbered(fs, CpuDir, "cpu");
        var online = List(fs, $"{CpuDir}/online");
        var nodes = NodeCpus(fs);
        var performance = List(fs, PerformanceCpus);
        var efficiency = List(fs, EfficiencyCpus);
        var cpus = new List<LogicalCpu>();
        foreach (var id in ids)
        {
            var dir = $"{CpuDir}/cpu{id}";
            var topology = $"{dir}/topology";
            // cpu0 usually has no "online" file (it cannot be taken down); the global list is the authority.
            var isOnline = online?.Contains(id) ?? (Int(fs, $"{dir}/online") ?? 1) == 1;
            var llc = LastLevelCache(fs, dir, out var level);
            var kind = performance?.Contains(id) == true ? CoreKind.Performance
                : efficiency?.Contains(id) == true ? CoreKind.Efficiency : CoreKind.Unknown;
            cpus.Add(new LogicalCpu(
                id,
                isOnline,
                Id(fs, $"{topology}/physical_package_id"),
                Id(fs, $"{topology}/die_id"),
                Id(fs, $"{topology}/cluster_id"),
                Id(fs, $"{topology}/core_id"),
                List(fs, $"{topology}/core_cpus_list") ?? List(fs, $"{topology}/thread_siblings_list"),
                llc,
                level,
                NodeOf(nodes, id),
                kind));
        }
        return new CpuTopology(cpus);
    }

    /// <summary>The node a PCI device is attached to; null when the kernel says -1 (no NUMA) or nothing.</summary>
    public static int? PciNode(IHostFs fs, PciAddress address) => Id(fs, $"/sys/bus/pci/devices/{address}/numa_node");

    private static CpuSet? LastLevelCache(IHostFs fs, string dir, out int? bestLevel)
    {
        CpuSet? best = null;
        bestLevel = null;
        foreach (var index in Numbered(fs, $"{dir}/cache", "index"))
        {
            var cache = $"{dir}/cache/index{index}";
            if (Text(fs, $"{cache}/type") == "Instruction" || Int(fs, $"{cache}/level") is not { } level)
            {
                continue;
            }
            if (bestLevel is null || level > bestLevel)
            {
                best = List(fs, $"{cache}/shared_cpu_list");
                bestLevel = best is null ? null : level;
            }
        }
        return best;
    }

    private static Dictionary<int, CpuSet> NodeCpus(IHostFs fs)
    {
        var nodes = new Dictionary<int, CpuSet>();
        foreach (var node in Numbered(fs, NodeDir, "node"))
        {
            if (List(fs, $"{NodeDir}/node{node}/cpulist") is { } cpus)
            {
                nodes[node] = cpus;
            }
        }
        return nodes;
    }

    private static int? NodeOf(Dictionary<int, CpuSet> nodes, int cpu)
    {
        foreach (var (node, cpus) in nodes)
        {
            if (cpus.Contains(cpu))
            {
                return node;
            }
        }
        return null;
    }

    /// <summary>N of every "prefixN" entry in the directory, ascending; none when the directory is missing.</summary>
    private static List<int> Numbered(IHostFs fs, string dir, string prefix)
    {
        IReadOnlyList<string> names;
        try
        {
            names = fs.ListDirectory(dir);
        }
        catch (HostIoException)
        {
            return [];
        }
        return names.Where(n => n.Length > prefix.Length && n.StartsWith(prefix, StringComparison.Ordinal) && n[prefix.Length..].All(char.IsAsciiDigit))
            .Select(n => int.TryParse(n[prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1)
            .Where(v => v is >= 0 and <= CpuSet.MaxCpu)
            .Order()
            .ToList();
    }

    private static string? Text(IHostFs fs, string path)
    {
        try
        {
            return fs.Exists(path) ? fs.ReadText(path).Trim() : null;
        }
        catch (HostIoException)
        {
            return null;
        }
    }

    private static int? Int(IHostFs fs, string path) =>
        int.TryParse(Text(fs, path), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;

    // The kernel writes -1 for an id it does not know (no die, no cluster, no NUMA node).
    private static int? Id(IHostFs fs, string path) => Int(fs, path) is >= 0 and var value ? value : null;

    private static CpuSet? List(IHostFs fs, string path) =>
        Text(fs, path) is { } text && CpuSet.TryParse(text, out var set, out _) ? set : null;
}
