using HookDispatcher.Domain;
using HookDispatcher.Engine;
using HookDispatcher.Handlers.Hugepages;
using HookDispatcher.Rules;
using HookDispatcher.Tests.Support;
using Shouldly;
using static HookDispatcher.Tests.Domain.NumaDomainXml;

namespace HookDispatcher.Tests.Handlers;

/// <summary>
/// Memory bound to several host nodes on a simulated 2-socket server with 4 NUMA nodes, whose global nr_hugepages
/// write lands round-robin on every node: each node of the set gets its share in its own pool, nothing lands on the
/// nodes QEMU may not use, and release gives back exactly each node's share.
/// </summary>
public sealed class HugepagesMultiNodeTests : IDisposable
{
    private const ulong Kb2M = 2048;

    private static readonly HugepagesRule Auto = new(null, null, null, Escalation.IfShort, Escalation.IfShort, 5, Stage.Prepare);

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A guest without NUMA cells of <paramref name="memoryKiB"/>, its whole memory under <paramref name="numatune"/>.</summary>
    private static string Flat(string name, ulong memoryKiB, string numatune) => $"""
        <domain type='kvm'>
          <name>{name}</name>
          <memory unit='KiB'>{memoryKiB}</memory>
          <memoryBacking><hugepages><page size='2048' unit='KiB'/></hugepages></memoryBacking>
          <vcpu placement='static'>4</vcpu>
          <numatune>{numatune}</numatune>
          <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>
        </domain>
        """;

    private static IReadOnlyList<HugepagesStep> Plan(SimNumaPools fs, string xml, HugepagesRule? rule = null) =>
        new Planner([new HugepagesHandler()])
            .Plan(new PlanContext(Stage.Prepare, Fixtures.Rules(rule ?? Auto), DomainXmlReader.Parse(xml, "stdin"), fs))
            .Cast<HugepagesStep>().ToList();

    private static string Describe(IEnumerable<HugepagesStep> steps) => string.Join("; ", steps.Select(s => $"{s.Id} {s.Pages}"));

    private static string Nodes(SimNumaPools fs, ulong kb = Kb2M) => string.Join(",", Enumerable.Range(0, fs.Nodes).Select(n => fs.Count(kb, n)));

    private Executor Executor(SimNumaPools fs) =>
        new(fs, new StateStore(Path.Join(_dir.Path, "state")), [new HugepagesHandler()], TimeSpan.FromSeconds(5));

    private void Start(Executor executor, SimNumaPools fs, string name, string xml) =>
        executor.Apply(name, null, "prepare begin", Plan(fs, xml), undoStaleFirst: true, Fixtures.Log);

    [Fact]
    public void TheServerIsLaidOutAsTheKernelDocumentsIt()
    {
        var fs = SimNumaPools.TwoSocketServer();
        fs.ReadText("/sys/devices/system/node/online").ShouldBe("0-3\n");
        fs.SetNode(Kb2M, 2, 7);
        fs.ReadText("/sys/devices/system/node/node2/hugepages/hugepages-2048kB/free_hugepages").ShouldBe("7\n");
        fs.ReadText("/sys/devices/system/node/node2/hugepages/hugepages-2048kB/surplus_hugepages").ShouldBe("0\n");
        fs.ReadText("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages").ShouldBe("7\n");
        fs.ReadText("/sys/devices/system/node/node2/meminfo").ShouldContain("Node 2 HugePages_Total:  7");
        fs.ListDirectory("/sys/devices/system/node").ShouldBe(["node0", "node1", "node2", "node3", "online"]);
        // The reason a set of nodes must not use the global file: the kernel spreads its pages over every node.
        fs.WriteText(SimNumaPools.GlobalPath(Kb2M), "15");
        Nodes(fs).ShouldBe("2,2,9,2");
    }

    [Theory]
    [InlineData(1048576UL, "hugepages:1048576kB@node1 1; hugepages:2048kB 512")]
    [InlineData(2048UL, "hugepages:2048kB 512; hugepages:2048kB@node1 171; hugepages:2048kB@node2 171; hugepages:2048kB@node3 170")]
    public void ADimmWithNodemaskOneToThreeIsReservedOnThoseNodes(ulong dimmPageKiB, string expected) =>
        Describe(Plan(SimNumaPools.TwoSocketServer(), DefaultDimm("fedora", dimmPageKiB))).ShouldBe(expected);

    [Fact]
    public void ADimmWithNodemaskOneToThreeLeavesNodeZeroOnlyTheUnboundCellsPages()
    {
        var fs = SimNumaPools.TwoSocketServer();
        Start(Executor(fs), fs, "fedora", DefaultDimm("fedora", 2048));
        // The cell's 512 unbound pages go through the global file (128 on each node); the dimm's 512 only on 1-3.
        Nodes(fs).ShouldBe("128,299,299,298");
    }

    [Fact]
    public void StrictNodesetZeroToOneOnFourNodesLandsOnlyOnNodesZeroAndOne()
    {
        var fs = SimNumaPools.TwoSocketServer();
        var xml = Xml("<hugepages/>", "<numatune><memory mode='strict' nodeset='0-1'/></numatune>");
        Describe(Plan(fs, xml)).ShouldBe("hugepages:2048kB@node0 1024; hugepages:2048kB@node1 1024");
        var executor = Executor(fs);
        executor.Apply("numa-workstation", null, "prepare begin", Plan(fs, xml), undoStaleFirst: true, Fixtures.Log);
        Nodes(fs).ShouldBe("1024,1024,0,0");
        executor.Release("numa-workstation", Fixtures.Log).ShouldBeEmpty();
        Nodes(fs).ShouldBe("0,0,0,0");
    }

    [Fact]
    public void RestrictiveMemnodesSplitEachCellOverItsSet() =>
        Describe(Plan(SimNumaPools.TwoSocketServer(), Xml("<hugepages/>", """
            <numatune>
                <memory mode='restrictive' nodeset='0-3'/>
                <memnode cellid='0' mode='restrictive' nodeset='0-1'/>
                <memnode cellid='1' mode='restrictive' nodeset='0-1'/>
                <memnode cellid='2' mode='restrictive' nodeset='2-3'/>
                <memnode cellid='3' mode='restrictive' nodeset='3'/>
              </numatune>
            """))).ShouldBe("hugepages:2048kB@node0 512; hugepages:2048kB@node1 512; hugepages:2048kB@node2 256; hugepages:2048kB@node3 768");

    [Fact]
    public void InterleaveSplitsEvenlyOverTheSetWithTheRemainderOnItsFirstNodes()
    {
        // 1026 MiB: 513 pages, page i on the (i mod 4)-th node of 0-3.
        var steps = Plan(SimNumaPools.TwoSocketServer(), Flat("interleaved", 1050624, "<memory mode='interleave' nodeset='0-3'/>"));
        Describe(steps).ShouldBe("hugepages:2048kB@node0 129; hugepages:2048kB@node1 128; hugepages:2048kB@node2 128; hugepages:2048kB@node3 128");
        steps[0].Summary.ShouldBe("reserve 129 × 2048kB hugepages on host node 0");
        steps[0].Actions[0].ShouldBe("for guest memory: 1 GiB, <page> without nodeset, <numatune><memory mode='interleave' nodeset='0-3'>: "
            + "129 of its 513 pages, an even share over host nodes 0-3 (mode='interleave' places page i on the (i mod n)-th node)");
    }

    [Fact]
    public void PreferredOnOneNodeIsReservedInThatNodesPool() =>
        Describe(Plan(SimNumaPools.TwoSocketServer(), Flat("preferring", 1048576, "<memory mode='preferred' nodeset='2'/>")))
            .ShouldBe("hugepages:2048kB@node2 512");

    [Fact]
    public void PreferredOverSeveralNodesIsSplitOverThem() =>
        // libvirt 9.3 and later: MPOL_PREFERRED_MANY, any node of the set first.
        Describe(Plan(SimNumaPools.TwoSocketServer(), Flat("preferring", 1048576, "<memory mode='preferred' nodeset='1,3'/>")))
            .ShouldBe("hugepages:2048kB@node1 256; hugepages:2048kB@node3 256");

    [Fact]
    public void AnExplicitCountFollowsTheDomainsOneNodeSet() =>
        Describe(Plan(SimNumaPools.TwoSocketServer(), Flat("counted", 1048576, "<memory nodeset='2-3'/>"), Auto with { Count = 5 }))
            .ShouldBe("hugepages:2048kB@node2 3; hugepages:2048kB@node3 2");

    [Fact]
    public void ANodeSetNamingANodeTheHostLacksIsRefusedNamingIt() =>
        Should.Throw<PlanException>(() => Plan(SimNumaPools.TwoSocketServer(), Flat("wide", 1048576, "<memory mode='strict' nodeset='2-5'/>")))
            .Message.ShouldBe("hugepages: '/sys/devices/system/node/node4/hugepages/hugepages-2048kB' does not exist: this kernel has no 2048kB pool on NUMA node 4");

    [Fact]
    public void AnUnknownModeIsRefusedNamingIt() =>
        Should.Throw<DomainXmlException>(() => DomainXmlReader.Parse(Flat("bad", 1048576, "<memory mode='bind' nodeset='0-1'/>"), "stdin"))
            .Message.ShouldContain("<memory mode='bind'> is not one of strict, preferred, interleave, restrictive");

    [Fact]
    public void TwoDomainsSharingANodeEachKeepTheirShareWhenTheOtherStops()
    {
        var fs = SimNumaPools.TwoSocketServer();
        for (var n = 0; n < 4; n++)
        {
            fs.SetNode(Kb2M, n, n + 1);
        }
        var found = fs.Snapshot();
        var executor = Executor(fs);
        Start(executor, fs, "a", Flat("a", 1048576, "<memory mode='strict' nodeset='0-1'/>"));
        Start(executor, fs, "b", Flat("b", 1572864, "<memory mode='strict' nodeset='1-2'/>"));
        Start(executor, fs, "c", Flat("c", 65536, ""));
        fs.Count(Kb2M).ShouldBe(10 + 512 + 768 + 32);
        Nodes(fs).ShouldBe("265,650,395,12");
        executor.Release("a", Fixtures.Log).ShouldBeEmpty();
        // b's 384 on node 1 and 384 on node 2 stay; c's 32 global pages may sit anywhere above the floors.
        fs.Count(Kb2M, 1).ShouldBeGreaterThanOrEqualTo(2 + 384);
        fs.Count(Kb2M, 2).ShouldBeGreaterThanOrEqualTo(3 + 384);
        fs.Count(Kb2M).ShouldBe(10 + 768 + 32);
        executor.Release("c", Fixtures.Log).ShouldBeEmpty();
        Nodes(fs).ShouldBe("1,386,387,4");
        executor.Release("b", Fixtures.Log).ShouldBeEmpty();
        fs.Snapshot().ShouldBe(found);
    }

    [Fact]
    public void EachNodesShareIsJournalledAndReleaseGivesBackExactlyThose()
    {
        var fs = SimNumaPools.TwoSocketServer();
        fs.SetNode(Kb2M, 0, 5);
        fs.SetNode(Kb2M, 3, 9);
        var found = fs.Snapshot();
        var executor = Executor(fs);
        Start(executor, fs, "fedora", DefaultDimm("fedora", 2048));
        var records = new StateStore(Path.Join(_dir.Path, "state")).Load("fedora")!.Steps;
        records.Select(r => $"{r.Id} node={r.As<HugepagesData>().Node} granted={r.As<HugepagesData>().Granted}").ShouldBe([
            "hugepages:2048kB node= granted=512",
            "hugepages:2048kB@node1 node=1 granted=171",
            "hugepages:2048kB@node2 node=2 granted=171",
            "hugepages:2048kB@node3 node=3 granted=170",
        ], ignoreOrder: true);
        var writes = fs.Writes.Count;
        executor.Release("fedora", Fixtures.Log).ShouldBeEmpty();
        // The global share too goes back through the node files, so the kernel cannot pick the pages of a node's share.
        fs.Writes.Skip(writes).ShouldAllBe(w => w.Path.StartsWith("/sys/devices/system/node/", StringComparison.Ordinal));
        fs.Snapshot().ShouldBe(found);
    }
}
