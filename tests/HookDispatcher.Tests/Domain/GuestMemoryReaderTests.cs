using HookDispatcher.Domain;
using HookDispatcher.Values;
using Shouldly;
using static HookDispatcher.Tests.Domain.NumaDomainXml;

namespace HookDispatcher.Tests.Domain;

/// <summary>The guest's memory regions, by formatdomain's rules for memoryBacking, numatune, NUMA cells and memory devices.</summary>
public sealed class GuestMemoryReaderTests
{
    private static IReadOnlyList<MemoryRegion> Regions(string xml) => DomainXmlReader.Parse(xml, "stdin").MemoryRegions;

    private static string Describe(MemoryRegion r) =>
        $"{r.Name} {r.SizeBytes / (1024 * 1024)}MiB {(r.Hugepages ? r.PageSizeBytes is { } p ? $"{p / 1024}kB" : "default" : "ordinary")} nodes={r.HostNodes?.ToString() ?? "-"}";

    [Fact]
    public void TwoPageSizesOverFourCellsFollowThePageNodesetsWhichNameGuestCells() =>
        Regions(Xml(TwoSizes)).Select(Describe).ShouldBe([
            "guest NUMA cell 0 1024MiB 1048576kB nodes=-",
            "guest NUMA cell 1 1024MiB 2048kB nodes=-",
            "guest NUMA cell 2 1024MiB 1048576kB nodes=-",
            "guest NUMA cell 3 1024MiB 1048576kB nodes=-",
        ]);

    [Fact]
    public void NumatuneMemnodeGivesEachCellItsHostNodesAndMemoryTheRest() =>
        Regions(Xml(TwoSizes, """
            <numatune>
                <memory mode='strict' nodeset='0-1'/>
                <memnode cellid='0' mode='strict' nodeset='1'/>
                <memnode cellid='1' mode='preferred' nodeset='0'/>
              </numatune>
            """)).Select(r => r.HostNodes?.ToString()).ShouldBe(["1", "0", "0-1", "0-1"]);

    [Fact]
    public void NumatuneMemoryAloneBindsEveryCell() =>
        Regions(Xml("<hugepages/>", "<numatune><memory mode='strict' nodeset='1'/></numatune>"))
            .ShouldAllBe(r => r.HostNodes!.ToString() == "1" && r.Hugepages && r.PageSizeBytes == null);

    [Fact]
    public void NumatuneWithAutomaticPlacementBindsNothing() =>
        Regions(Xml("<hugepages/>", "<numatune><memory mode='strict' placement='auto'/></numatune>"))
            .ShouldAllBe(r => r.HostNodes == null);

    [Fact]
    public void CellsThatNoPageNodesetCoversAreOrdinaryMemory()
    {
        var regions = Regions(Xml("<hugepages><page size='1' unit='G' nodeset='0-1'/></hugepages>"));
        regions.Select(r => r.Hugepages).ShouldBe([true, true, false, false]);
        regions[2].From.ShouldContain("no <page nodeset> covers it");
    }

    [Fact]
    public void APageWithoutNodesetBacksTheCellsTheOthersLeave() =>
        Regions(Xml("<hugepages><page size='2' unit='M'/><page size='1' unit='G' nodeset='3'/></hugepages>"))
            .Select(r => r.PageSizeBytes).ShouldBe([ByteSize.TwoMiB, ByteSize.TwoMiB, ByteSize.TwoMiB, ByteSize.OneGiB]);

    [Fact]
    public void APageOfTheSystemPageSizeIsOrdinaryMemory() =>
        Regions(Xml("<hugepages><page size='4' unit='KiB'/></hugepages>")).ShouldAllBe(r => !r.Hugepages);

    [Fact]
    public void ADimmUsesItsOwnPagesizeAndNodemask()
    {
        var dimm = Regions(Xml(TwoSizes, memoryDevices: Dimm1GPages, memoryKiB: 5242880)).Last();
        Describe(dimm).ShouldBe("memory device dimm (guest node 0) 1024MiB 1048576kB nodes=1");
        dimm.From.ShouldBe("<source><pagesize>, <source><nodemask>");
    }

    [Fact]
    public void ADimmWithoutPagesizeTakesThePageOfItsTargetNodeAndTheNumatuneOfItsCell()
    {
        const string dimm = "<memory model='dimm'><target><size unit='MiB'>512</size><node>1</node></target></memory>";
        var region = Regions(Xml(TwoSizes, "<numatune><memnode cellid='1' nodeset='0'/></numatune>", dimm, 4718592)).Last();
        Describe(region).ShouldBe("memory device dimm (guest node 1) 512MiB 2048kB nodes=0");
    }

    [Fact]
    public void AFileBackedNvdimmIsNotHugepageMemory()
    {
        var nvdimm = Regions(Xml("<hugepages/>", memoryDevices: FileNvdimm, memoryKiB: 4718592)).Last();
        nvdimm.Hugepages.ShouldBeFalse();
        nvdimm.From.ShouldContain("file-backed");
    }

    [Fact]
    public void WithoutNumaTheGuestMemoryIsWhatTheDevicesLeaveOfMemory()
    {
        var xml = DomainXmlReaderTests.WithBody(
            "<memoryBacking><hugepages/></memoryBacking><devices><memory model='virtio-mem'><source><pagesize unit='KiB'>2048</pagesize></source><target><size unit='MiB'>256</size><node>0</node><block unit='MiB'>2</block><requested unit='MiB'>0</requested></target></memory></devices>",
            "<memory unit='MiB'>1280</memory>");
        Regions(xml).Select(Describe).ShouldBe([
            "guest memory 1024MiB default nodes=-",
            "memory device virtio-mem (guest node 0) 256MiB 2048kB nodes=-",
        ]);
    }

    [Fact]
    public void WithoutHugepagesEveryRegionIsOrdinary() =>
        Regions(Xml("<locked/>")).ShouldAllBe(r => !r.Hugepages);

    [Theory]
    [InlineData("<memory model='dimm'><target><node>0</node></target></memory>", "<memory model='dimm'> has no <target><size>")]
    [InlineData("<memory model='dimm'><target><size unit='MiB'>64</size><node>x</node></target></memory>", "guest NUMA node 'x' is not a number")]
    [InlineData("<memory model='dimm'><source><nodemask>0-q</nodemask></source><target><size>64</size></target></memory>", "<nodemask>:")]
    public void ABadMemoryDeviceIsAnErrorAtItsPosition(string device, string reason) =>
        Should.Throw<DomainXmlException>(() => Regions(Xml("<hugepages/>", memoryDevices: device))).Message.ShouldContain(reason);

    [Fact]
    public void VcpuCpusetCountsAsTheDomainsCpus() =>
        DomainXmlReader.Parse(DomainXmlReaderTests.WithBody("<vcpu placement='static' cpuset='4-7,^6'>3</vcpu>"), "stdin")
            .PinnedCpus.ToString().ShouldBe("4-5,7");
}
