using HookDispatcher.Domain;
using HookDispatcher.Engine;
using HookDispatcher.Handlers.Hugepages;
using HookDispatcher.Rules;
using HookDispatcher.Tests.Domain;
using HookDispatcher.Tests.Support;
using HookDispatcher.Values;
using Shouldly;
using static HookDispatcher.Tests.Domain.NumaDomainXml;

namespace HookDispatcher.Tests.Handlers;

/// <summary>Reservations derived from libvirt-shaped NUMA domain XML, on a simulated two-node host.</summary>
public sealed class HugepagesNumaTests : IDisposable
{
    private readonly TempDir _dir = new();

    private static readonly HugepagesRule Auto = new(null, null, null, Escalation.IfShort, Escalation.IfShort, 5, Stage.Prepare);

    public void Dispose() => _dir.Dispose();

    private static IReadOnlyList<HugepagesStep> Plan(SimNumaPools fs, string xml, HugepagesRule? rule = null) =>
        new Planner([new HugepagesHandler()])
            .Plan(new PlanContext(Stage.Prepare, Fixtures.Rules(rule ?? Auto), DomainXmlReader.Parse(xml, "stdin"), fs))
            .Cast<HugepagesStep>().ToList();

    private static string Describe(IEnumerable<HugepagesStep> steps) => string.Join("; ", steps.Select(s => $"{s.Id} {s.Pages}"));

    /// <summary>(size + page − 1) wrapped near 2^64: 2^64 − 1 KiB of guest memory came out as 0 pages.</summary>
    [Theory]
    [InlineData("<memory unit='KiB'>18014398509481983</memory>", "guest memory")]
    [InlineData("<memory unit='GiB'>8</memory><cpu><numa><cell id='0' cpus='0' memory='17179869183' unit='GiB'/></numa></cpu>", "guest NUMA cell 0")]
    public void AGuestSizeNoHostCanHaveIsRefusedNamingItsElementNotWrappedToAFewPages(string memory, string element)
    {
        var xml = $"<domain type='kvm'><name>vm</name>{memory}<memoryBacking><hugepages/></memoryBacking><vcpu>1</vcpu></domain>";
        Should.Throw<PlanException>(() => Plan(new SimNumaPools(2), xml)).Message
            .ShouldStartWith($"hugepages: {element} (");
    }

    [Fact]
    public void MemoryDevicesAddingUpPastTwoToTheSixtyFourAreRefused()
    {
        var dimm = "<memory model='dimm'><target><size unit='EiB'>15</size><node>0</node></target></memory>";
        var xml = $"<domain type='kvm'><name>vm</name><memory unit='EiB'>15</memory><memoryBacking><hugepages/></memoryBacking><devices>{dimm}{dimm}</devices></domain>";
        Should.Throw<DomainXmlException>(() => DomainXmlReader.Parse(xml, "stdin")).Message.ShouldContain("add up to more than 2^64 bytes");
    }

    [Fact]
    public void TwoPageSizesOverFourCellsGetOneReservationEach() =>
        Describe(Plan(new SimNumaPools(2), Xml(TwoSizes))).ShouldBe("hugepages:1048576kB 3; hugepages:2048kB 512");

    [Fact]
    public void MemnodePlacesEachCellOnItsHostNode() =>
        Describe(Plan(new SimNumaPools(2), Xml(TwoSizes, """
            <numatune><memnode cellid='0' nodeset='0'/><memnode cellid='1' nodeset='1'/><memnode cellid='2' nodeset='1'/><memnode cellid='3' nodeset='0'/></numatune>
            """))).ShouldBe("hugepages:1048576kB@node0 2; hugepages:1048576kB@node1 1; hugepages:2048kB@node1 512");

    [Fact]
    public void NumatuneMemoryOnOneNodePlacesEverythingThere() =>
        Describe(Plan(new SimNumaPools(2), Xml("<hugepages/>", "<numatune><memory mode='strict' nodeset='1'/></numatune>")))
            .ShouldBe("hugepages:2048kB@node1 2048");

    [Fact]
    public void MemoryBoundToSeveralNodesIsSplitOverTheirPools() =>
        Describe(Plan(new SimNumaPools(2), Xml("<hugepages/>", "<numatune><memory mode='interleave' nodeset='0-1'/></numatune>")))
            .ShouldBe("hugepages:2048kB@node0 1024; hugepages:2048kB@node1 1024");

    [Fact]
    public void UncoveredCellsReserveNothing() =>
        Describe(Plan(new SimNumaPools(2), Xml("<hugepages><page size='1' unit='G' nodeset='0-1'/></hugepages>"))).ShouldBe("hugepages:1048576kB 2");

    [Fact]
    public void ADimmWithItsOwnPagesizeAddsToItsPool() =>
        Describe(Plan(new SimNumaPools(2), Xml("<hugepages><page size='1' unit='G'/></hugepages>", memoryDevices: Dimm1GPages, memoryKiB: 5242880)))
            .ShouldBe("hugepages:1048576kB 4; hugepages:1048576kB@node1 1");

    [Fact]
    public void AFileBackedNvdimmReservesNothing() =>
        Describe(Plan(new SimNumaPools(2), Xml("<hugepages><page size='1' unit='G'/></hugepages>", memoryDevices: FileNvdimm, memoryKiB: 4718592)))
            .ShouldBe("hugepages:1048576kB 4");

    [Fact]
    public void HugepagesWithoutPageUseTheHostsDefaultSize() =>
        Describe(Plan(new SimNumaPools(2, defaultPageKb: 1048576), Xml("<hugepages/>"))).ShouldBe("hugepages:1048576kB 4");

    [Fact]
    public void ARuleSizeContradictingTheXmlIsRefusedNamingBothSizes()
    {
        var e = Should.Throw<PlanException>(() => Plan(new SimNumaPools(2), Xml(TwoSizes), Auto with { PageSizeBytes = ByteSize.TwoMiB }));
        e.HostFailure.ShouldBeFalse();
        e.Message.ShouldBe("hugepages: pageSize 2048kB in the rule contradicts the domain XML, which backs guest NUMA cell 0 with 1048576kB pages (<page nodeset='0,2-3'>); QEMU would not use the rule's pages: set pageSize \"auto\" or change the XML");
    }

    [Fact]
    public void ARuleSizeContradictingTheHostDefaultOfHugepagesIsRefused() =>
        Should.Throw<PlanException>(() => Plan(new SimNumaPools(2, defaultPageKb: 1048576), Xml("<hugepages/>"), Auto with { PageSizeBytes = ByteSize.TwoMiB }))
            .Message.ShouldContain("with 1048576kB pages (<hugepages/> (the host's default size))");

    [Fact]
    public void AnExplicitCountWithTwoSizesInTheXmlIsRefused() =>
        Should.Throw<PlanException>(() => Plan(new SimNumaPools(2), Xml(TwoSizes), Auto with { Count = 8 }))
            .Message.ShouldBe("hugepages: count 8 names one pool, but the domain XML backs its memory with 2048kB and 1048576kB pages; use count \"auto\"");

    [Fact]
    public void AnExplicitSizeAndCountStillWorkForADomainOfOneSize() =>
        Describe(Plan(new SimNumaPools(2), Xml("<hugepages><page size='1' unit='G'/></hugepages>"), Auto with { PageSizeBytes = ByteSize.OneGiB, Count = 2 }))
            .ShouldBe("hugepages:1048576kB 2");

    [Fact]
    public void TheRulesNodeOverridesPlacement() =>
        Describe(Plan(new SimNumaPools(2), Xml(TwoSizes, "<numatune><memory nodeset='0'/></numatune>"), Auto with { Node = 1 }))
            .ShouldBe("hugepages:1048576kB@node1 3; hugepages:2048kB@node1 512");

    [Fact]
    public void TheDryRunNamesWhatEachReservationIsFor()
    {
        var steps = Plan(new SimNumaPools(2), Xml(TwoSizes, "<numatune><memnode cellid='1' nodeset='1'/></numatune>"));
        steps[1].Summary.ShouldBe("reserve 512 × 2048kB hugepages on host node 1");
        steps[1].Actions[0].ShouldBe("for guest NUMA cell 1: 1 GiB, <page nodeset='1'>, <memnode cellid='1' nodeset='1'>");
        steps[0].Summary.ShouldBe("reserve 3 × 1048576kB hugepages in the global pool");
        steps[0].Actions.Take(3).ShouldAllBe(a => a.StartsWith("for guest NUMA cell ", StringComparison.Ordinal));
    }

    [Fact]
    public void BothSizesAreReservedAndReleasedTogether()
    {
        var fs = new SimNumaPools(2);
        var executor = Executor(fs);
        executor.Apply("numa", null, "prepare begin", Plan(fs, Xml(TwoSizes)), undoStaleFirst: true, Fixtures.Log);
        (fs.Count(2048), fs.Count(1048576)).ShouldBe((512L, 3L));
        executor.Release("numa", Fixtures.Log).ShouldBeEmpty();
        fs.Snapshot().ShouldBe(new SimNumaPools(2).Snapshot());
    }

    [Fact]
    public void WhenOneSizeIsShortBothAreRolledBack()
    {
        var fs = new SimNumaPools(2);
        fs.Capacity[2048] = 0;
        var executor = Executor(fs);
        var e = Should.Throw<StepFailedException>(() => executor.Apply("numa", null, "prepare begin", Plan(fs, Xml(TwoSizes)), undoStaleFirst: true, Fixtures.Log));
        e.Message.ShouldStartWith("hugepages:2048kB: got 0 of 512 2048kB pages");
        fs.Snapshot().ShouldBe(new SimNumaPools(2).Snapshot());
        File.Exists(Path.Join(_dir.Path, "state", "numa.json")).ShouldBeFalse();
    }

    private Executor Executor(SimNumaPools fs) =>
        new(fs, new StateStore(Path.Join(_dir.Path, "state")), [new HugepagesHandler()], TimeSpan.FromSeconds(5));
}
