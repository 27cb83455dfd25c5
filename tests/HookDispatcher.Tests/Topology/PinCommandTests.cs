using System.Text.Json;
using System.Xml.Linq;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Topology;

public sealed class PinCommandTests
{
    /// <summary>The two-socket server with the domain's XML in /etc/libvirt/qemu under the host root: GPU, 2 iothreads.</summary>
    private static SimulatedHost Server()
    {
        var host = new SimulatedHost();
        SimHosts.TwoSocket().WriteTo(host);
        host.Write("etc/libvirt/qemu/big.xml", """
            <domain type='kvm'>
              <name>big</name>
              <memory unit='GiB'>16</memory>
              <vcpu placement='static'>8</vcpu>
              <iothreads>2</iothreads>
              <devices>
                <hostdev mode='subsystem' type='pci' managed='no'>
                  <source><address domain='0x0000' bus='0x81' slot='0x00' function='0x0'/></source>
                </hostdev>
              </devices>
            </domain>
            """);
        return host;
    }

    [Fact]
    public void PinReadsTheDomainAndTheHostThroughTheHostRootAndPrintsRulesPictureAndXmlToPaste()
    {
        using var host = Server();
        var (code, output, error) = CliRunner.Run("--config", host.ConfigPath, "pin", "big");
        code.ShouldBe(0, error);
        output.ShouldContain("host: 2 packages, 2 LLCs, 16 cores, 32 threads (SMT), 2 NUMA nodes");
        output.ShouldContain("  1. whole cores: the guest gets 4 cores with every thread (CPUs 8-11,24-27)");
        output.ShouldContain($"  4. NUMA: the guest stays on node 1, where PCI {SimHosts.Gpu} is");
        output.ShouldContain("package 1, NUMA node 1");
        output.ShouldContain("[ 0 emu+io1-2  16 emu+io1-2]");
        output.ShouldContain("[ 8 v0         24 v1       ]");
        var xml = output[output.IndexOf("<vcpu placement", StringComparison.Ordinal)..];
        var parsed = XElement.Parse($"<x>{xml}</x>");
        parsed.Element("cputune")!.Elements("vcpupin").Select(p => $"{p.Attribute("vcpu")!.Value}:{p.Attribute("cpuset")!.Value}")
            .ShouldBe(["0:8", "1:24", "2:9", "3:25", "4:10", "5:26", "6:11", "7:27"]);
        parsed.Element("cputune")!.Elements("iothreadpin").Select(p => p.Attribute("cpuset")!.Value).ShouldBe(["0,16", "0,16"]);
        parsed.Element("cputune")!.Element("emulatorpin")!.Attribute("cpuset")!.Value.ShouldBe("0,16");
        parsed.Element("cpu")!.Element("topology")!.ToString().ShouldBe("<topology sockets=\"1\" dies=\"1\" cores=\"4\" threads=\"2\" />");
        var picture = output[output.IndexOf("package 0", StringComparison.Ordinal)..output.IndexOf("Paste into", StringComparison.Ordinal)];
        picture.Split('\n').ShouldAllBe(line => line.Length <= 100);
        output.ShouldNotContain("\u001b");
    }

    [Fact]
    public void PinJsonCarriesThePinsTopologyRulesXmlAndPicture()
    {
        using var host = Server();
        var (code, output, _) = CliRunner.Run("--config", host.ConfigPath, "pin", "big", "--vcpus", "4", "--host-cores", "2", "--json");
        code.ShouldBe(0);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        root.GetProperty("vcpus").GetInt32().ShouldBe(4);
        root.GetProperty("hostCores").GetInt32().ShouldBe(2);
        root.GetProperty("emulatorpin").GetString().ShouldBe("0-1,16-17");
        root.GetProperty("vcpupins").EnumerateArray().Select(p => p.GetInt32()).ShouldBe([8, 24, 9, 25]);
        root.GetProperty("iothreadpins").EnumerateArray().Select(p => p.GetString()).ShouldBe(["0-1,16-17", "0-1,16-17"]);
        root.GetProperty("iothreadpins").GetArrayLength().ShouldBe(2);
        root.GetProperty("topology").GetProperty("threads").GetInt32().ShouldBe(2);
        root.GetProperty("rules").GetArrayLength().ShouldBe(6);
        root.GetProperty("xml").GetString()!.ShouldStartWith("<vcpu placement='static'>4</vcpu>");
        root.GetProperty("picture").EnumerateArray().ShouldContain(l => l.GetString()!.StartsWith("package 1", StringComparison.Ordinal));
        root.TryGetProperty("error", out _).ShouldBeFalse();
    }

    [Fact]
    public void ARequestTheHostCannotMeetIsOneLineAndExit1()
    {
        using var host = new SimulatedHost();
        SimHosts.Laptop().WriteTo(host);
        var (code, output, error) = CliRunner.Run("--config", host.ConfigPath, "pin", "small", "--vcpus", "4");
        code.ShouldBe(1);
        output.ShouldBeEmpty();
        error.Trim().ShouldBe("hookctl: pin small: 4 vCPUs need 4 whole cores (one per vCPU), but only 3 of the host's 4 cores are left after the 1 the host keeps");
    }

    [Theory]
    [InlineData("--host-cores", "0", "hookctl: pin: --host-cores 0 must be at least 1")]
    [InlineData("--vcpus", "0", "hookctl: pin: --vcpus 0 must be at least 1")]
    public void ANonPositiveCountIsRefusedWithExit2(string option, string value, string message)
    {
        using var host = new SimulatedHost();
        var (code, _, error) = CliRunner.Run("--config", host.ConfigPath, "pin", "small", option, value);
        code.ShouldBe(2);
        error.Trim().ShouldBe(message);
    }

    [Fact]
    public void WithoutDomainXmlOrVcpusPinSaysWhereItLookedAndExits2()
    {
        using var host = new SimulatedHost();
        var (code, _, error) = CliRunner.Run("--config", host.ConfigPath, "pin", "ghost");
        code.ShouldBe(2);
        error.ShouldContain("etc/libvirt/qemu/ghost.xml' does not exist; give --xml FILE or --vcpus N");
    }
}
