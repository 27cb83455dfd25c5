using HookDispatcher.Domain;
using HookDispatcher.Values;
using Shouldly;
using static HookDispatcher.Tests.Domain.DomainXmlReaderTests;

namespace HookDispatcher.Tests.Domain;

public sealed class DomainXmlReaderSectionTests
{
    private static DomainInfo Parse(string body) => DomainXmlReader.Parse(WithBody(body), "stdin");

    private static string Fails(string body) =>
        Should.Throw<DomainXmlException>(() => Parse(body)).Message;

    [Fact]
    public void AnEmptyHugepagesElementRequestsTheDefaultPageSize()
    {
        var info = Parse("<memoryBacking><hugepages/></memoryBacking>");

        info.HugepagesRequested.ShouldBeTrue();
        info.Hugepages.ShouldBeEmpty();
    }

    [Fact]
    public void MemoryBackingWithoutHugepagesRequestsNone() =>
        Parse("<memoryBacking><locked/></memoryBacking>").HugepagesRequested.ShouldBeFalse();

    [Fact]
    public void EveryPageIsReadWithItsUnitAndNodeset() =>
        Parse("""
            <memoryBacking><hugepages>
              <page size='2048'/>
              <page size='1' unit='G' nodeset='0-1'/>
              <page size='2' unit='MiB' nodeset='0-3,^1'/>
            </hugepages></memoryBacking>
            """).Hugepages.ShouldBe([
            new HugepageBacking(ByteSize.TwoMiB, null),
            new HugepageBacking(ByteSize.OneGiB, CpuSet.Parse("0-1")),
            new HugepageBacking(ByteSize.TwoMiB, CpuSet.Parse("0,2-3")),
        ]);

    [Theory]
    [InlineData("<page unit='G'/>", "<page> has no 'size' attribute")]
    [InlineData("<page size='0'/>", "<page> size is 0")]
    [InlineData("<page size='1' unit='Q'/>", "<page> unit 'Q' is not a libvirt unit")]
    [InlineData("<page size='1G'/>", "<page> size '1G' KiB")]
    [InlineData("<page size='1' unit='G' nodeset='0-x'/>", "<page> nodeset: '0-x' in CPU list '0-x'")]
    public void ABadPageIsAnErrorQuotingIt(string page, string reason) =>
        Fails($"<memoryBacking><hugepages>{page}</hugepages></memoryBacking>").ShouldContain(reason);

    [Fact]
    public void NumatuneMemoryNodesetIsRead() =>
        Parse("<numatune><memory mode='strict' nodeset='1,3'/><memnode cellid='0' nodeset='2'/></numatune>")
            .NumaMemoryNodes.ShouldBe(CpuSet.Of([1, 3]));

    [Fact]
    public void NumatuneWithAutomaticPlacementHasNoNodes() =>
        Parse("<numatune><memory mode='strict' placement='auto'/></numatune>").NumaMemoryNodes.ShouldBeNull();

    [Fact]
    public void ABadNumatuneNodesetIsAnErrorAtItsPosition() =>
        Fails("<numatune><memory nodeset='3-1'/></numatune>")
            .ShouldBe("stdin: line 4, column 21: <memory> nodeset: '3-1' in CPU list '3-1': range end is below its start");

    [Fact]
    public void PinnedCpusAreTheUnionOfVcpuEmulatorAndIothreadPinsWithExclusions() =>
        Parse("""
            <cputune>
              <vcpupin vcpu='0' cpuset='0-7,^2-6'/>
              <vcpupin vcpu='1' cpuset='10'/>
              <emulatorpin cpuset='20'/>
              <iothreadpin iothread='1' cpuset='30-31'/>
              <vcpusched vcpus='0' scheduler='fifo' priority='1'/>
              <shares>1024</shares>
            </cputune>
            """).PinnedCpus.ToString().ShouldBe("0-1,7,10,20,30-31");

    [Fact]
    public void VcpuPinnedCpusAreOnlyThoseOfTheVcpus() =>
        Parse("""
            <cputune>
              <vcpupin vcpu='0' cpuset='2'/>
              <vcpupin vcpu='1' cpuset='3,^3,5'/>
              <emulatorpin cpuset='0'/>
              <iothreadpin iothread='1' cpuset='1'/>
            </cputune>
            """).VcpuPinnedCpus!.ToString().ShouldBe("2,5");

    [Theory]
    [InlineData("<vcpupin vcpu='0' cpuset='a'/>", "<vcpupin> cpuset: 'a' in CPU list 'a'")]
    [InlineData("<emulatorpin cpuset='0-99999'/>", "<emulatorpin> cpuset: '0-99999'")]
    [InlineData("<iothreadpin iothread='1'/>", "<iothreadpin> has no 'cpuset' attribute")]
    public void ABadPinIsAnErrorQuotingIt(string pin, string reason) =>
        Fails($"<cputune>{pin}</cputune>").ShouldContain(reason);

    [Theory]
    [InlineData("domain='0x0000' bus='0x0a' slot='0x00' function='0x1'", "0000:0a:00.1")]
    [InlineData("domain='0000' bus='012' slot='31' function='7'", "0000:0a:1f.7")]
    [InlineData("domain='0x10' bus='0xff' slot='0x3' function='0x0'", "0010:ff:03.0")]
    [InlineData("bus='0x01' slot='0x00' function='0x0'", "0000:01:00.0")]
    [InlineData("domain='0' bus='222' slot='31' function='1'", "0000:de:1f.1")]
    public void HostdevAddressesAreReadAsLibvirtReadsThemHexOctalOrDecimal(string attributes, string address) =>
        Parse($"<devices><hostdev mode='subsystem' type='pci'><source><address {attributes}/></source></hostdev></devices>")
            .Hostdevs.ShouldBe([new HostdevPci(PciAddress.TryParse(address, out var a) ? a : default, false)]);

    [Theory]
    [InlineData(" managed='yes'", true)]
    [InlineData(" managed='no'", false)]
    [InlineData("", false)]
    public void ManagedDefaultsToNoAsInLibvirt(string managed, bool expected) =>
        Parse($"<devices><hostdev type='pci'{managed}><source><address bus='1' slot='0' function='0'/></source></hostdev></devices>")
            .Hostdevs.Single().Managed.ShouldBe(expected);

    [Fact]
    public void OnlyPciSubsystemHostdevsAreRead() =>
        Parse("""
            <devices>
              <hostdev mode='subsystem' type='usb'><source><vendor id='0x046d'/><address bus='1' device='4'/></source></hostdev>
              <hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='c2177883-f1bb-47f0-914d-32a22e3a8804'/></source></hostdev>
              <hostdev mode='capabilities' type='storage'><source><block>/dev/sdf1</block></source></hostdev>
              <hostdev mode='subsystem' type='pci'><source><address domain='0' bus='2' slot='0' function='0'/></source></hostdev>
            </devices>
            """).Hostdevs.Select(h => h.Address.ToString()).ShouldBe(["0000:02:00.0"]);

    [Theory]
    [InlineData("<source><address bus='0x0a' slot='0x20' function='0'/></source>", "PCI address slot '0x20' is not a number 0-31")]
    [InlineData("<source><address bus='zz' slot='0' function='0'/></source>", "PCI address bus 'zz'")]
    [InlineData("<source><address bus='0x' slot='0' function='0'/></source>", "PCI address bus '0x'")]
    [InlineData("<source><address domain='0x10000' bus='0' slot='0' function='0'/></source>", "PCI address domain '0x10000'")]
    [InlineData("<source><address bus='1' slot='0' function='8'/></source>", "PCI address function '8'")]
    [InlineData("<source><address slot='0' function='0'/></source>", "PCI address has no 'bus' attribute")]
    [InlineData("<source/>", "PCI <hostdev> has no <source><address>")]
    public void ABadHostdevAddressIsAnErrorQuotingIt(string source, string reason) =>
        Fails($"<devices><hostdev mode='subsystem' type='pci'>{source}</hostdev></devices>").ShouldContain(reason);

    [Fact]
    public void AnUnknownManagedValueIsAnError() =>
        Fails("<devices><hostdev type='pci' managed='maybe'><source><address bus='1' slot='0' function='0'/></source></hostdev></devices>")
            .ShouldContain("managed 'maybe' is neither 'yes' nor 'no'");
}
