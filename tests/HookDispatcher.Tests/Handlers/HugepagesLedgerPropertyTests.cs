using CsCheck;
using HookDispatcher.Domain;
using HookDispatcher.Engine;
using HookDispatcher.Handlers.Hugepages;
using HookDispatcher.Rules;
using HookDispatcher.Tests.Support;
using HookDispatcher.Values;
using Shouldly;

namespace HookDispatcher.Tests.Handlers;

/// <summary>
/// Random interleavings of several domains' prepare and release, mixing memory bound to one host node, to a set of
/// nodes (split over their pools) and unbound (the global pool) of both sizes, on a simulated four-node kernel whose
/// global writes land round-robin on the nodes: no release ever takes pages that the remaining domains or the host's
/// own baseline hold, and after the last release every pool is as found.
/// </summary>
public sealed class HugepagesLedgerPropertyTests
{
    private const ulong Kb2M = 2048, Kb1G = 1048576;

    private const int Nodes = 4;

    /// <summary>What one domain's memory regions need: (page size in kB, host nodes or null for the global pool, pages).</summary>
    private static readonly (ulong Kb, string? Nodes, long Pages)[][] Domains =
    [
        [(Kb2M, "0", 5)],
        [(Kb2M, null, 7)],
        [(Kb2M, "1", 3), (Kb1G, null, 2)],
        [(Kb1G, "0", 1), (Kb2M, null, 4)],
        [(Kb1G, "1", 2)],
        [(Kb2M, "1-3", 7), (Kb1G, "0-1", 3)],
        [(Kb2M, "0-1", 4), (Kb2M, "1,3", 5)],
        [(Kb1G, "2-3", 1), (Kb2M, "0-3", 6)],
    ];

    [Fact]
    public void NoReleaseTakesWhatOthersHoldAndTheLastLeavesEveryPoolAtItsBaseline() =>
        Gen.Select(Gen.Int[0, OneNodeDomains - 1].Array[1, 24], Gen.Int[0, 4].Array[2 * 2])
            .Sample((sequence, baseline) => Run(sequence, baseline, nodes: 2), iter: 150);

    [Fact]
    public void OverFourNodesWithNodeSetsSplitOverTheirPoolsTheSameHolds() =>
        Gen.Select(Gen.Int[0, Domains.Length - 1].Array[1, 24], Gen.Int[0, 4].Array[2 * 4])
            .Sample((sequence, baseline) => Run(sequence, baseline, nodes: 4), iter: 150);

    /// <param name="baseline">Each node's count before any domain: 2 MiB pages of node 0…n−1, then 1 GiB pages.</param>
    private static void Run(int[] sequence, int[] baseline, int nodes)
    {
        using var dir = new TempDir();
        var fs = new SimNumaPools(nodes);
        for (var n = 0; n < nodes; n++)
        {
            fs.SetNode(Kb2M, n, baseline[n]);
            fs.SetNode(Kb1G, n, baseline[nodes + n]);
        }
        var found = fs.Snapshot();
        var store = new StateStore(dir.Join("state"));
        var executor = new Executor(fs, store, [new HugepagesHandler()], TimeSpan.FromSeconds(5));
        var held = new List<int>();
        foreach (var d in sequence)
        {
            if (!held.Contains(d))
            {
                var steps = new Planner([new HugepagesHandler()]).Plan(new PlanContext(Stage.Prepare, Fixtures.Rules(Auto), Domain(d), fs));
                executor.Apply(Name(d), null, "prepare begin", steps, undoStaleFirst: true, Fixtures.Log);
                held.Add(d);
                Check($"preparing {Name(d)}");
            }
            else
            {
                Release(d);
            }
        }
        while (held.Count > 0)
        {
            Release(held[0]);
        }
        fs.Snapshot().ShouldBe(found, string.Join(",", sequence));

        void Release(int d)
        {
            executor.Release(Name(d), Fixtures.Log).ShouldBeEmpty();
            held.Remove(d);
            Check($"releasing {Name(d)}");
        }

        void Check(string after)
        {
            foreach (var (kb, offset) in new[] { (Kb2M, 0), (Kb1G, nodes) })
            {
                var regions = held.SelectMany(h => Domains[h]).Where(s => s.Kb == kb).ToList();
                fs.Count(kb).ShouldBeGreaterThanOrEqualTo(baseline.Skip(offset).Take(nodes).Sum() + regions.Sum(s => s.Pages),
                    $"{kb}kB global after {after}: {fs.Snapshot()}");
                for (var node = 0; node < nodes; node++)
                {
                    fs.Count(kb, node).ShouldBeGreaterThanOrEqualTo(baseline[offset + node] + regions.Sum(r => ShareOf(r.Nodes, r.Pages, node)),
                        $"{kb}kB node{node} after {after}: {fs.Snapshot()}");
                }
            }
        }
    }

    /// <summary>The first domains bind to node 0 or 1 only, for the two-node host.</summary>
    private const int OneNodeDomains = 5;

    private static readonly HugepagesRule Auto = new(null, null, null, Escalation.IfShort, Escalation.IfShort, 5, Stage.Prepare);

    private static string Name(int d) => $"vm{d}";

    /// <summary>What a region bound to <paramref name="nodes"/> keeps on <paramref name="node"/>: an even share, the remainder on the set's first nodes.</summary>
    private static long ShareOf(string? nodes, long pages, int node)
    {
        if (nodes is null)
        {
            return 0;
        }
        var set = CpuSet.Parse(nodes).Cpus.ToList();
        var i = set.IndexOf(node);
        return i < 0 ? 0 : pages / set.Count + (i < pages % set.Count ? 1 : 0);
    }

    /// <summary>A domain whose memory regions need exactly the pages listed for it.</summary>
    private static DomainInfo Domain(int d) =>
        new(Name(d), null, 0, [], true, null, CpuSet.Empty, [])
        {
            MemoryRegions = Domains[d].Select((s, i) => new MemoryRegion(
                $"region {i}", (ulong)s.Pages * s.Kb * 1024, true, s.Kb * 1024, s.Nodes is { } n ? CpuSet.Parse(n) : null, "test")).ToList(),
        };
}
