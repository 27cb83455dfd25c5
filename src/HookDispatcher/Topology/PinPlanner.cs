using HookDispatcher.Domain;
using HookDispatcher.Values;

namespace HookDispatcher.Topology;

/// <summary>
/// Proposes a placement by the ArchWiki's rules ("CPU pinning", "The case of Hyper-threading"), in order: whole
/// cores only; the host keeps the first K cores; the guest within one LLC if it fits (else as few as possible) and
/// on the NUMA node of its GPU(s), else of its hugepages; P-cores first on hybrid parts; vCPU pairs on sibling
/// pairs so the guest's SMT topology is true.
/// </summary>
internal static class PinPlanner
{
    public static PinProposal? Plan(CpuTopology topology, PinRequest request, out string error)
    {
        error = "";
        var cores = topology.Cores;
        if (cores.Count <= request.HostCores)
        {
            error = $"the host has {Count(cores.Count, "online core")}; keeping {request.HostCores} for the host leaves none for the guest";
            return null;
        }
        var host = cores.Take(request.HostCores).ToList();
        var free = cores.Skip(request.HostCores).ToList();
        var pairs = free.Where(c => c.Threads.Count == 2).ToList();
        var smt = request.Vcpus % 2 == 0 && pairs.Count >= request.Vcpus / 2;
        var eligible = smt ? pairs : free;
        var need = smt ? request.Vcpus / 2 : request.Vcpus;
        if (eligible.Count < need)
        {
            error = $"{Count(request.Vcpus, "vCPU")} need {Count(need, "whole core")} ({(topology.Smt ? "one per vCPU, or one per vCPU pair with SMT" : "one per vCPU")}), " +
                $"but only {free.Count} of the host's {Count(cores.Count, "core")} are left after the {request.HostCores} the host keeps";
            return null;
        }
        var rules = new List<string>();
        var node = PreferredNode(request, out var nodeReason);
        var chosen = Choose(eligible, need, node);
        var guest = chosen.OrderBy(c => c.Index).ToList();
        var vcpuCpus = new List<int>();
        foreach (var core in guest)
        {
            vcpuCpus.AddRange(smt ? core.Threads.Cpus : [core.First]);
        }
        var guestCpus = CpuSet.Of(guest.SelectMany(c => c.Threads.Cpus));
        var emulator = CpuSet.Of(host.SelectMany(c => c.Threads.Cpus));
        var shape = smt ? new GuestCpuTopology(1, 1, need, 2) : new GuestCpuTopology(1, 1, need, 1);
        rules.Insert(0, $"whole cores: the guest gets {Count(guest.Count, "core")} with every thread (CPUs {guestCpus}); no core is split with the host");
        rules.Insert(1, $"host: keeps the first {Count(request.HostCores, "core")} ({string.Join(", ", host.Select(c => c.Describe()))}); the emulator" +
            (request.IoThreads > 0 ? " and iothreads run there" : " runs there"));
        rules.Add(LlcRule(topology, guest, need, node));
        rules.Add(NodeRule(topology, guest, node, nodeReason));
        rules.Add(HybridRule(topology, guest));
        rules.Add(smt
            ? $"SMT: vCPU pairs on sibling pairs (vCPUs 0,1 on CPUs {guest[0].Threads}); guest topology 1 socket, {Count(need, "core")}, 2 threads"
            : topology.Smt
                ? $"SMT: one vCPU per core, its sibling idle ({(request.Vcpus % 2 == 1 ? "an odd vCPU count" : "too few whole SMT cores left")}); guest topology 1 socket, {Count(need, "core")}, 1 thread"
                : $"SMT: none on this host; guest topology 1 socket, {Count(need, "core")}, 1 thread");
        return new PinProposal(vcpuCpus, emulator, request.IoThreads, topology.Online.Except(guestCpus),
            guestCpus.Except(CpuSet.Of(vcpuCpus)), guest, shape, rules);
    }

    /// <summary>The GPU's node wins over the hugepages' (the device's DMA and interrupts are local to it).</summary>
    private static int? PreferredNode(PinRequest request, out string reason)
    {
        reason = "";
        var gpuNodes = request.Gpus.Where(g => g.Node is not null).Select(g => g.Node!.Value).Distinct().ToList();
        int? memory = request.HugepageNodes is { Count: 1 } nodes ? nodes.Cpus[0] : null;
        if (gpuNodes.Count > 0)
        {
            var gpu = request.Gpus.First(g => g.Node == gpuNodes[0]);
            reason = $"where PCI {gpu.Address} is";
            if (gpuNodes.Count > 1)
            {
                reason += $" (the devices sit on nodes {string.Join(",", gpuNodes)}: only one can be local)";
            }
            if (memory is { } m && m != gpuNodes[0])
            {
                reason += $"; numatune binds the memory to node {m}: bind it to node {gpuNodes[0]} too";
            }
            return gpuNodes[0];
        }
        if (memory is { } only)
        {
            reason = "where numatune binds its memory (hugepages)";
        }
        return memory;
    }

    private static List<CpuCore> Choose(List<CpuCore> eligible, int need, int? node)
    {
        var byNode = eligible.GroupBy(c => NodeKey(c)).ToDictionary(g => g.Key, g => g.Count());
        var groups = eligible
            .GroupBy(c => $"{NodeKey(c)}/{c.Llc}")
            .Select(g => g.OrderBy(c => Rank(c.Kind)).ThenBy(c => c.Index).ToList())
            .OrderBy(g => node is not null && g[0].Node == node ? 0 : 1)
            .ThenBy(g => g.Count >= need ? 0 : 1)
            .ThenBy(g => byNode[NodeKey(g[0])] >= need ? 0 : 1)
            .ThenBy(g => g.Min(c => Rank(c.Kind)))
            .ThenBy(g => byNode[NodeKey(g[0])] >= need ? NodeKey(g[0]) : 0)
            .ThenBy(g => g.Count >= need ? 0 : -g.Count)
            .ThenBy(g => g[0].Index);
        return groups.SelectMany(g => g).Take(need).ToList();
    }

    private static int NodeKey(CpuCore core) => core.Node ?? -1;

    private static int Rank(CoreKind kind) => kind == CoreKind.Efficiency ? 1 : 0;

    private static string LlcRule(CpuTopology topology, List<CpuCore> guest, int need, int? node)
    {
        if (guest.Any(c => c.Llc is null))
        {
            return "LLC: unknown (no cache/index*/shared_cpu_list), not considered";
        }
        var llcs = guest.Select(c => c.Llc!).Distinct().ToList();
        if (llcs.Count == 1)
        {
            return $"LLC: the guest stays within one last-level cache (shared by CPUs {llcs[0]})";
        }
        var why = node is not null ? $" on node {node}" : "";
        return $"LLC: the guest spans {llcs.Count} last-level caches: {need} cores do not fit in the cores left in one{why} (the host has {topology.Llcs.Count})";
    }

    private static string NodeRule(CpuTopology topology, List<CpuCore> guest, int? node, string reason)
    {
        if (guest.Any(c => c.Node is null))
        {
            return "NUMA: the node of each CPU is unknown (no /sys/devices/system/node/node*/cpulist), not considered";
        }
        var nodes = guest.Select(c => c.Node!.Value).Distinct().ToList();
        if (node is { } wanted && !nodes.Contains(wanted))
        {
            return $"NUMA: node {node} ({reason}) has no core left for the guest; it runs on node {string.Join(",", nodes)}";
        }
        var where = node is not null ? $"node {node}, {reason}" : topology.Nodes.Count == 1 ? $"node {nodes[0]}, the only one" : $"node {nodes[0]}: no GPU or hugepage node to follow";
        return nodes.Count == 1
            ? $"NUMA: the guest stays on {where}"
            : $"NUMA: the guest spans nodes {string.Join(",", nodes)}: it does not fit in the cores left on {(node is not null ? $"node {node} ({reason})" : "one node")}";
    }

    private static string HybridRule(CpuTopology topology, List<CpuCore> guest)
    {
        if (!topology.Hybrid)
        {
            return "hybrid: not a hybrid part (no /sys/devices/cpu_core and cpu_atom), all cores alike";
        }
        var p = guest.Count(c => c.Kind == CoreKind.Performance);
        var e = guest.Count(c => c.Kind == CoreKind.Efficiency);
        return e == 0 ? $"hybrid: P-cores first: the guest runs on {Count(p, "P-core")}" : $"hybrid: P-cores first: {Count(p, "P-core")}, then {Count(e, "E-core")} as no P-core is left";
    }

    private static string Count(int n, string what) => n == 1 ? $"1 {what}" : $"{n} {what}s";
}
