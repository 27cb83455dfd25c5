using HookDispatcher.Domain;
using Shouldly;

namespace HookDispatcher.Tests.Topology;

public sealed class DomainPinsReaderTests
{
    private static string Xml(string body) => $"<domain><name>d</name><memory unit='MiB'>64</memory>{body}</domain>";

    [Fact]
    public void EachVcpusEmulatorAndIothreadsPinAndTheGuestTopologyAreRead()
    {
        var pins = DomainXmlReader.Parse(Xml("""
            <vcpu placement='static'>4</vcpu>
            <iothreads>1</iothreads>
            <cputune>
              <vcpupin vcpu='0' cpuset='2'/><vcpupin vcpu='1' cpuset='18'/><vcpupin vcpu='3' cpuset='3-4'/>
              <emulatorpin cpuset='0,16'/>
              <iothreadpin iothread='1' cpuset='1'/>
            </cputune>
            <cpu mode='host-passthrough'><topology sockets='1' cores='2' threads='2'/></cpu>
            """), "d.xml").Pins;
        pins.Vcpus.ShouldBe(4);
        pins.IoThreads.ShouldBe(1);
        pins.Vcpu.ToDictionary(p => p.Key, p => p.Value.ToString()).ShouldBe(new Dictionary<int, string> { [0] = "2", [1] = "18", [3] = "3-4" });
        pins.Emulator!.ToString().ShouldBe("0,16");
        pins.IoThread[1].ToString().ShouldBe("1");
        pins.Topology.ShouldBe(new GuestCpuTopology(1, 1, 2, 2));
        pins.Topology!.Siblings(2, 3).ShouldBeTrue();
        pins.Topology.Siblings(1, 2).ShouldBeFalse();
    }

    [Fact]
    public void IothreadIdsCountWhenThereIsNoIothreadsElement()
    {
        DomainXmlReader.Parse(Xml("<iothreadids><iothread id='1'/><iothread id='2'/></iothreadids>"), "d.xml").Pins.IoThreads.ShouldBe(2);
    }

    [Fact]
    public void AVcpupinWhoseVcpuIsNotANumberFailsNamingItsPositionAndValue()
    {
        var e = Should.Throw<DomainXmlException>(() => DomainXmlReader.Parse(Xml("<cputune><vcpupin vcpu='x' cpuset='1'/></cputune>"), "d.xml"));
        e.Message.ShouldContain("d.xml: line 1, column ");
        e.Message.ShouldContain("<vcpupin> vcpu 'x' is not a whole number");
    }
}
