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
/// Random interleavings of several domains' prepare and release, mixing per-node and global pools of both sizes, on
/// a simulated two-node kernel whose global writes land round-robin on the nodes: no release ever takes pages that
/// the remaining domains or the host's own baseline hold, and after the last release every pool is as found.
/// </summary>
public sealed class HugepagesLedgerPropertyTests
{
    private const ulong Kb2M = 2048, Kb1G = 1048576;

    /// <summary>What one domain reserves: (page size in kB, host node or null for the global pool, pages).</summary>
    private static readonly (ulong Kb, int? Node, long Pages)[][] Domains =
    [
        [(Kb2M, 0, 5)],
        [(Kb2M, null, 7)],
        [(Kb2M, 1, 3), (Kb1G, null, 2)],
        [(Kb1G, 0, 1), (Kb2M, null, 4)],
        [(Kb1G, 1, 2)],
    ];

    [Fact]
    public void NoReleaseTakesWhatOthersHoldAndTheLastLeavesEveryPoolAtItsBaseline() =>
        Gen.Select(Gen.Int[0, Domains.Length - 1].Array[1, 24], Gen.Int[0, 4].Array[4])
            .Sample((sequence, baseline) => Run(sequence, baseline), iter: 150);

    private static void Run(int[] sequence, int[] baseline)
    {
        using var dir = new TempDir();
        var fs = new SimNumaPools(2);
        fs.SetNode(Kb2M, 0, baseline[0]);
        fs.SetNode(Kb2M, 1, baseline[1]);
        fs.SetNode(Kb1G, 0, baseline[2]);
        fs.SetNode(Kb1G, 1, baseline[3]);
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
            foreach (var kb in SimNumaPools.SizesKb)
            {
                var shares = held.SelectMany(h => Domains[h]).Where(s => s.Kb == kb).ToList();
                fs.Count(kb).ShouldBeGreaterThanOrEqualTo(Base(baseline, kb, null) + shares.Sum(s => s.Pages), $"{kb}kB global after releasing {Name(d)}: {fs.Snapshot()}");
                for (var node = 0; node < 2; node++)
                {
                    fs.Count(kb, node).ShouldBeGreaterThanOrEqualTo(
                        Base(baseline, kb, node) + shares.Where(s => s.Node == node).Sum(s => s.Pages), $"{kb}kB node{node} after releasing {Name(d)}: {fs.Snapshot()}");
                }
            }
        }
    }

    private static readonly HugepagesRule Auto = new(null, null, null, Escalation.IfShort, Escalation.IfShort, 5, Stage.Prepare);

    private static string Name(int d) => $"vm{d}";

    private static long Base(int[] baseline, ulong kb, int? node)
    {
        var offset = kb == Kb2M ? 0 : 2;
        return node is { } n ? baseline[offset + n] : baseline[offset] + baseline[offset + 1];
    }

    /// <summary>A domain whose memory regions need exactly the reservations listed for it.</summary>
    private static DomainInfo Domain(int d) =>
        new(Name(d), null, 0, [], true, null, CpuSet.Empty, [])
        {
            MemoryRegions = Domains[d].Select((s, i) => new MemoryRegion(
                $"region {i}", (ulong)s.Pages * s.Kb * 1024, true, s.Kb * 1024, s.Node is { } n ? CpuSet.Of([n]) : null, "test")).ToList(),
        };
}
