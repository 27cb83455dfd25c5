using HookDispatcher.Tests.Support;
using HookDispatcher.Values;

namespace HookDispatcher.Tests.Topology;

/// <summary>
/// Writes a CPU topology the way sysfs shows it (Documentation/admin-guide/cputopology.rst,
/// Documentation/ABI/stable/sysfs-devices-system-cpu, drivers/base/cacheinfo.c): cpu/{online,offline,present},
/// cpuN/online (cpu0 has none: it cannot go offline), cpuN/topology and cpuN/cache only for online CPUs (the kernel
/// removes both when a CPU goes down), nodeN/cpulist, cpu_core/cpus and cpu_atom/cpus on hybrid parts, and each
/// PCI device's numa_node.
/// </summary>
internal sealed class SysfsTopology(IReadOnlyList<SimCpu> cpus)
{
    public IReadOnlyList<SimCpu> Cpus { get; } = cpus;

    public Dictionary<string, int> PciNodes { get; } = [];

    /// <summary>Leave these files out (a kernel or architecture that does not expose them).</summary>
    public HashSet<string> Without { get; } = [];

    public static SysfsTopology Of(int count, Func<int, SimCpu> cpu) => new(Enumerable.Range(0, count).Select(cpu).ToList());

    public SysfsTopology WithGpu(string address, int node)
    {
        PciNodes[address] = node;
        return this;
    }

    /// <summary>Writes every file through <paramref name="write"/> (absolute path "/sys/…", content).</summary>
    public void WriteTo(Action<string, string> write)
    {
        void Put(string path, string content)
        {
            if (!Without.Any(w => path.EndsWith(w, StringComparison.Ordinal)))
            {
                write(path, content + "\n");
            }
        }
        const string dir = "/sys/devices/system/cpu";
        var online = CpuSet.Of(Cpus.Where(c => c.Online).Select(c => c.Id));
        Put($"{dir}/online", online.ToString());
        Put($"{dir}/offline", CpuSet.Of(Cpus.Where(c => !c.Online).Select(c => c.Id)).ToString());
        Put($"{dir}/present", CpuSet.Of(Cpus.Select(c => c.Id)).ToString());
        foreach (var cpu in Cpus)
        {
            var at = $"{dir}/cpu{cpu.Id}";
            if (cpu.Id > 0)
            {
                Put($"{at}/online", cpu.Online ? "1" : "0");
            }
            if (!cpu.Online)
            {
                continue;
            }
            Put($"{at}/topology/physical_package_id", $"{cpu.Package}");
            Put($"{at}/topology/die_id", $"{cpu.Die}");
            Put($"{at}/topology/cluster_id", $"{cpu.Cluster}");
            Put($"{at}/topology/core_id", $"{cpu.Core}");
            var siblings = CpuSet.Parse(cpu.Siblings).Intersect(online).ToString();
            Put($"{at}/topology/thread_siblings_list", siblings);
            Put($"{at}/topology/core_cpus_list", siblings);
            Cache(Put, at, 0, 1, "Data", siblings);
            Cache(Put, at, 1, 1, "Instruction", siblings);
            Cache(Put, at, 2, 2, "Unified", cpu.L2 is null ? siblings : CpuSet.Parse(cpu.L2).Intersect(online).ToString());
            Cache(Put, at, 3, 3, "Unified", CpuSet.Parse(cpu.Llc).Intersect(online).ToString());
        }
        foreach (var node in Cpus.GroupBy(c => c.Node))
        {
            Put($"/sys/devices/system/node/node{node.Key}/cpulist", CpuSet.Of(node.Where(c => c.Online).Select(c => c.Id)).ToString());
        }
        foreach (var kind in Cpus.Where(c => c.Kind is not null).GroupBy(c => c.Kind!))
        {
            Put($"/sys/devices/cpu_{kind.Key}/cpus", CpuSet.Of(kind.Select(c => c.Id)).ToString());
        }
        foreach (var (address, node) in PciNodes)
        {
            Put($"/sys/bus/pci/devices/{address}/numa_node", $"{node}");
        }
    }

    private static void Cache(Action<string, string> put, string cpu, int index, int level, string type, string shared)
    {
        put($"{cpu}/cache/index{index}/level", $"{level}");
        put($"{cpu}/cache/index{index}/type", type);
        put($"{cpu}/cache/index{index}/shared_cpu_list", shared);
    }

    /// <summary>An in-memory host holding only this topology.</summary>
    public SimHostFs Fs()
    {
        var fs = new SimHostFs();
        WriteTo(fs.Set);
        return fs;
    }

    /// <summary>Onto a simulated host tree for the CLI (paths under its root).</summary>
    public void WriteTo(SimulatedHost host) => WriteTo((path, content) => host.Write(path.TrimStart('/'), content));
}
