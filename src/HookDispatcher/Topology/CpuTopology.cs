using HookDispatcher.Values;

namespace HookDispatcher.Topology;

/// <summary>
/// The host's CPUs grouped the way pinning needs them: online cores (sibling threads together), their last-level
/// cache and NUMA node. Built by <see cref="CpuTopologyReader"/>; unknown facts stay null.
/// </summary>
internal sealed class CpuTopology
{
    private readonly Dictionary<int, CpuCore> _coreOf = [];

    public CpuTopology(IReadOnlyList<LogicalCpu> cpus)
    {
        Cpus = cpus.OrderBy(c => c.Id).ToList();
        Online = CpuSet.Of(Cpus.Where(c => c.Online).Select(c => c.Id));
        Offline = CpuSet.Of(Cpus.Where(c => !c.Online).Select(c => c.Id));
        var cores = new List<CpuCore>();
        foreach (var cpu in Cpus.Where(c => c.Online))
        {
            if (_coreOf.ContainsKey(cpu.Id))
            {
                continue;
            }
            // Siblings that are offline or already placed (an inconsistent list) are left out, never guessed in.
            var threads = (cpu.Siblings ?? CpuSet.Of([cpu.Id])).Intersect(Online).Cpus.Where(t => !_coreOf.ContainsKey(t)).ToList();
            if (!threads.Contains(cpu.Id))
            {
                threads = [cpu.Id];
            }
            var core = new CpuCore(cores.Count, CpuSet.Of(threads), cpu.Package, cpu.Node, cpu.Llc, cpu.Kind);
            cores.Add(core);
            foreach (var thread in threads)
            {
                _coreOf[thread] = core;
            }
        }
        Cores = cores;
    }

    public IReadOnlyList<LogicalCpu> Cpus { get; }

    public CpuSet Online { get; }

    public CpuSet Offline { get; }

    public IReadOnlyList<CpuCore> Cores { get; }

    /// <summary>True when any core has more than one online thread.</summary>
    public bool Smt => Cores.Any(c => c.Threads.Count > 1);

    public bool Hybrid => Cores.Any(c => c.Kind == CoreKind.Efficiency) && Cores.Any(c => c.Kind == CoreKind.Performance);

    public CpuCore? CoreOf(int cpu) => _coreOf.GetValueOrDefault(cpu);

    public LogicalCpu? Cpu(int id) => Cpus.FirstOrDefault(c => c.Id == id);

    /// <summary>The distinct last-level caches of the online cores, in order of their first CPU.</summary>
    public IReadOnlyList<CpuSet> Llcs => Cores.Where(c => c.Llc is not null).Select(c => c.Llc!).Distinct().OrderBy(l => l.Cpus[0]).ToList();

    public IReadOnlyList<int> Nodes => Cores.Where(c => c.Node is not null).Select(c => c.Node!.Value).Distinct().Order().ToList();

    /// <summary>"1 package, 2 LLCs, 16 cores, 32 threads (SMT), 1 NUMA node".</summary>
    public string Summary()
    {
        var packages = Cores.Where(c => c.Package is not null).Select(c => c.Package!.Value).Distinct().Count();
        var parts = new List<string>
        {
            packages == 0 ? "packages unknown" : Plural(packages, "package"),
            Llcs.Count == 0 ? "LLC unknown" : Plural(Llcs.Count, "LLC"),
            Plural(Cores.Count, "core") + (Hybrid ? $" ({Cores.Count(c => c.Kind == CoreKind.Performance)} P + {Cores.Count(c => c.Kind == CoreKind.Efficiency)} E)" : ""),
            Plural(Online.Count, "thread") + (Smt ? " (SMT)" : ""),
            Nodes.Count == 0 ? "NUMA node unknown" : Plural(Nodes.Count, "NUMA node"),
        };
        if (!Offline.IsEmpty)
        {
            parts.Add($"offline {Offline}");
        }
        return string.Join(", ", parts);
    }

    private static string Plural(int n, string what) => n == 1 ? $"1 {what}" : $"{n} {what}s";
}
