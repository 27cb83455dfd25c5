using HookDispatcher.Doctor;
using HookDispatcher.Domain;
using HookDispatcher.Tests.Doctor;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Topology;

public sealed class PinChecksTests
{
    /// <summary>A domain pinning vCPU n to pins[n], with the given emulator pin, guest threads per core and extras.</summary>
    private static List<DoctorCheck> Check(SysfsTopology host, int[] pins, string emulator, int threads = 2, string extra = "")
    {
        var vcpupins = string.Concat(pins.Select((cpu, vcpu) => $"<vcpupin vcpu='{vcpu}' cpuset='{cpu}'/>"));
        var xml = $"""
            <domain><name>d</name><memory unit='MiB'>64</memory><vcpu>{pins.Length}</vcpu>
            <cputune>{vcpupins}<emulatorpin cpuset='{emulator}'/></cputune>
            <cpu><topology sockets='1' dies='1' cores='{pins.Length / threads}' threads='{threads}'/></cpu>{extra}</domain>
            """;
        return PinChecks.Run(host.Fs(), "domain d", DomainXmlReader.Parse(xml, "d.xml")).ToList();
    }

    private static IEnumerable<string> Warnings(List<DoctorCheck> checks) =>
        checks.Where(c => c.Status == DoctorCheck.Warn).Select(c => $"{c.Value} → {c.Fix}");

    [Fact]
    public void SiblingPairsInOneLlcWithTheEmulatorOnTheHostsCorePassAndArePictured()
    {
        var checks = Check(SimHosts.AmdDesktop(), [1, 17, 2, 18, 3, 19, 4, 20], "0,16");
        checks.ShouldAllBe(c => c.Status == DoctorCheck.Ok);
        checks[0].Name.ShouldBe("CPU topology");
        checks[0].Details.ShouldContain(l => l.Contains("[ 1 v0    17 v1  ]", StringComparison.Ordinal));
        checks[0].Details.ShouldAllBe(l => l.Length <= PinChecks.PictureWidth);
        checks[1].Value.ShouldBe("8 vCPU(s) on 4 whole core(s), apart from the emulator; the host keeps 0,5-16,21-31");
    }

    [Fact]
    public void ACoreWhoseThreadsAreSplitBetweenHostAndGuestWarnsWithReasonAndFix()
    {
        var warning = Warnings(Check(SimHosts.AmdDesktop(), [1, 2, 3, 4], "0", threads: 1)).ShouldHaveSingleItem();
        warning.ShouldStartWith("core 1 (CPUs 1,17): 1 for vCPUs, 17 for the host; core 2 (CPUs 2,18)");
        warning.ShouldContain("→ give both threads of each core to the guest (two sibling vCPUs) or both to the host");
    }

    [Fact]
    public void TwoVcpusOnOneCoreThatTheGuestTopologyDoesNotPairWarn()
    {
        var warning = Warnings(Check(SimHosts.AmdDesktop(), [1, 2, 17, 18], "0,16")).ShouldHaveSingleItem();
        warning.ShouldStartWith("core 1 (CPUs 1,17) runs vCPUs 0 and 2; core 2 (CPUs 2,18) runs vCPUs 1 and 3: the guest topology (threads='2') says they are not siblings");
        warning.ShouldContain("pin vCPUs 2n and 2n+1 to the two threads of one core");
    }

    [Fact]
    public void AGuestSpreadOverTwoLlcsThatWouldFitInOneWarns()
    {
        Warnings(Check(SimHosts.AmdDesktop(), [7, 23, 8, 24], "0,16")).ShouldHaveSingleItem()
            .ShouldStartWith("the vCPUs' 2 cores span 2 last-level caches (0-7,16-23 and 8-15,24-31) though one LLC has 8 cores");
    }

    [Fact]
    public void PinsOnAnotherNodeThanTheGpuOrTheHugepagesWarn()
    {
        var gpu = "<devices><hostdev mode='subsystem' type='pci' managed='no'><source><address domain='0' bus='0x81' slot='0' function='0'/></source></hostdev></devices>";
        var warnings = Warnings(Check(SimHosts.TwoSocket(), [1, 17], "0,16", extra: gpu + "<numatune><memory mode='strict' nodeset='1'/></numatune>")).ToList();
        warnings.Count.ShouldBe(2);
        warnings[0].ShouldStartWith("PCI 0000:81:00.0 is on NUMA node 1, the vCPUs on node(s) 0");
        warnings[1].ShouldStartWith("numatune binds the memory (hugepages) to node(s) 1, the vCPUs run on node(s) 0");
    }

    [Fact]
    public void TheEmulatorOnAVcpusCoreWarns()
    {
        Warnings(Check(SimHosts.AmdDesktop(), [1], "17", threads: 1)).Where(w => w.StartsWith("the emulator", StringComparison.Ordinal)).ShouldHaveSingleItem()
            .ShouldStartWith("the emulator (emulatorpin 17) shares core 1 (CPUs 1,17) with vCPUs");
    }

    [Fact]
    public void VcpusOnEveryCpuLeaveNothingToTheHostAndWarn()
    {
        Warnings(Check(SimHosts.Laptop(), [0, 1, 2, 3], "0", threads: 1))
            .ShouldContain(w => w.StartsWith("the vCPUs take every online CPU (0-3): none is left to the host", StringComparison.Ordinal));
    }

    [Fact]
    public void APinOnAnOfflineCpuWarns()
    {
        Warnings(Check(SimHosts.WithOffline(), [1, 9, 2, 13], "0,8"))
            .ShouldContain(w => w.StartsWith("CPU(s) 13 are pinned but not online (online: 0-6,8-12,14)", StringComparison.Ordinal));
    }

    [Fact]
    public void ADomainWithoutPinsGetsNoPinChecks()
    {
        PinChecks.Run(SimHosts.AmdDesktop().Fs(), "domain d", DomainXmlReader.Parse("<domain><name>d</name><memory>1</memory><vcpu>2</vcpu></domain>", "d.xml"))
            .ShouldBeEmpty();
    }

    [Fact]
    public void DoctorDrawsTheDomainsPlacementWithinOneHundredColumns()
    {
        using var host = new SimHostCopy();
        SimHosts.Laptop().WriteTo((path, content) => host.Write(path.TrimStart('/'), content));
        var xml = File.ReadAllText(host.Xml).Replace("<vcpu placement='static'>6</vcpu>", "<vcpu placement='static'>2</vcpu>", StringComparison.Ordinal);
        File.WriteAllText(host.Xml, System.Text.RegularExpressions.Regex.Replace(xml, "<cputune>.*?</cputune>",
            "<cputune><vcpupin vcpu='0' cpuset='2'/><vcpupin vcpu='1' cpuset='3'/><emulatorpin cpuset='0'/></cputune>",
            System.Text.RegularExpressions.RegexOptions.Singleline).Replace("cores='3' threads='2'", "cores='2' threads='1'", StringComparison.Ordinal));
        var (_, output, error) = CliRunner.Run("--config", host.ConfigPath, "doctor", "win11");
        output.ShouldContain("  ok   CPU topology: 1 package, 1 LLC, 4 cores, 4 threads, 1 NUMA node", customMessage: error);
        output.ShouldContain("             [0 emu ] [1 host] [2 v0  ] [3 v1  ]");
        output.ShouldContain("  ok   CPU pins: 2 vCPU(s) on 2 whole core(s), apart from the emulator; the host keeps 0-1");
        output.Split('\n').SkipWhile(l => !l.Contains("CPU topology", StringComparison.Ordinal)).Take(5).ShouldAllBe(l => l.Length <= 100);
    }
}
