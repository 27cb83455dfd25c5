using HookDispatcher.Topology;
using HookDispatcher.Values;
using Shouldly;

namespace HookDispatcher.Tests.Topology;

public sealed class PinPlannerTests
{
    private static PinProposal Plan(SysfsTopology host, int vcpus, int hostCores = 1, string? gpu = null, string? hugepageNodes = null)
    {
        var fs = host.Fs();
        var gpus = new List<PciNode>();
        if (gpu is not null && PciAddress.TryParse(gpu, out var address))
        {
            gpus.Add(new PciNode(address, CpuTopologyReader.PciNode(fs, address)));
        }
        var request = new PinRequest(vcpus, hostCores, 1, gpus, hugepageNodes is null ? null : CpuSet.Parse(hugepageNodes));
        var proposal = PinPlanner.Plan(CpuTopologyReader.Read(fs), request, out var error);
        proposal.ShouldNotBeNull(error);
        return proposal;
    }

    private static string Refusal(SysfsTopology host, int vcpus, int hostCores = 1)
    {
        PinPlanner.Plan(CpuTopologyReader.Read(host.Fs()), new PinRequest(vcpus, hostCores, 0, [], null), out var error).ShouldBeNull();
        return error;
    }

    private static string Cpus(PinProposal p) => string.Join(",", p.VcpuCpus);

    [Fact]
    public void EightVcpusOnTheAmdDesktopGetFourSiblingPairsInTheFirstCcdBesideTheHostsCore()
    {
        var p = Plan(SimHosts.AmdDesktop(), 8);
        Cpus(p).ShouldBe("1,17,2,18,3,19,4,20");
        p.Emulator.ToString().ShouldBe("0,16");
        p.HostCpus.ToString().ShouldBe("0,5-16,21-31");
        (p.Topology.Cores, p.Topology.Threads).ShouldBe((4, 2));
        p.Rules.ShouldContain(r => r.StartsWith("LLC: the guest stays within one last-level cache (shared by CPUs 0-7,16-23)", StringComparison.Ordinal));
    }

    [Fact]
    public void SixteenVcpusOnTheAmdDesktopTakeTheWholeSecondCcdRatherThanSplitTheFirst()
    {
        var p = Plan(SimHosts.AmdDesktop(), 16);
        CpuSet.Of(p.VcpuCpus).ToString().ShouldBe("8-15,24-31");
        p.Rules.ShouldContain(r => r.Contains("one last-level cache (shared by CPUs 8-15,24-31)", StringComparison.Ordinal));
    }

    [Fact]
    public void TwentyFourVcpusOnTheAmdDesktopSpanBothCcdsAndSaySo()
    {
        var p = Plan(SimHosts.AmdDesktop(), 24);
        p.GuestCores.Count.ShouldBe(12);
        p.Rules.ShouldContain(r => r.StartsWith("LLC: the guest spans 2 last-level caches", StringComparison.Ordinal));
        p.HostCpus.Contains(0).ShouldBeTrue();
    }

    [Fact]
    public void AnOddVcpuCountGivesEachVcpuAWholeCoreAndATopologyOfSingleThreads()
    {
        var p = Plan(SimHosts.AmdDesktop(), 3);
        Cpus(p).ShouldBe("1,2,3");
        p.Idle.ToString().ShouldBe("17-19");
        (p.Topology.Cores, p.Topology.Threads).ShouldBe((3, 1));
        p.Rules.ShouldContain(r => r.StartsWith("SMT: one vCPU per core, its sibling idle (an odd vCPU count)", StringComparison.Ordinal));
    }

    [Fact]
    public void MoreVcpusThanTheCoresLeftAreRefusedInOneLineSayingWhy()
    {
        Refusal(SimHosts.AmdDesktop(), 31).ShouldBe("31 vCPUs need 31 whole cores (one per vCPU, or one per vCPU pair with SMT), but only 15 of the host's 16 cores are left after the 1 the host keeps");
        Refusal(SimHosts.Laptop(), 4).ShouldContain("4 vCPUs need 4 whole cores");
        Refusal(SimHosts.Laptop(), 1, hostCores: 4).ShouldBe("the host has 4 online cores; keeping 4 for the host leaves none for the guest");
    }

    [Fact]
    public void TheHybridDesktopPutsTheGuestOnPCoresFirst()
    {
        var p = Plan(SimHosts.IntelHybrid(), 8);
        Cpus(p).ShouldBe("2,3,4,5,6,7,8,9");
        p.Emulator.ToString().ShouldBe("0-1");
        p.Rules.ShouldContain("hybrid: P-cores first: the guest runs on 4 P-cores");
    }

    [Fact]
    public void SixteenVcpusOnTheHybridDesktopUseTheSevenFreePCoresThenECoresOneVcpuEach()
    {
        var p = Plan(SimHosts.IntelHybrid(), 16);
        Cpus(p).ShouldBe("2,4,6,8,10,12,14,16,17,18,19,20,21,22,23,24");
        (p.Topology.Cores, p.Topology.Threads).ShouldBe((16, 1));
        p.Rules.ShouldContain("hybrid: P-cores first: 7 P-cores, then 9 E-cores as no P-core is left");
    }

    [Fact]
    public void TheTwoSocketServerPutsTheGuestOnTheGpusNode()
    {
        var p = Plan(SimHosts.TwoSocket(), 8, gpu: SimHosts.Gpu);
        Cpus(p).ShouldBe("8,24,9,25,10,26,11,27");
        p.Emulator.ToString().ShouldBe("0,16");
        p.Rules.ShouldContain($"NUMA: the guest stays on node 1, where PCI {SimHosts.Gpu} is");
    }

    [Fact]
    public void TheGpuNodeOutranksTheHugepageNodeAndTheConflictIsNamed()
    {
        var p = Plan(SimHosts.TwoSocket(), 4, gpu: SimHosts.Gpu, hugepageNodes: "0");
        CpuSet.Of(p.VcpuCpus).ToString().ShouldBe("8-9,24-25");
        p.Rules.ShouldContain(r => r.Contains("numatune binds the memory to node 0: bind it to node 1 too", StringComparison.Ordinal));
    }

    [Fact]
    public void WithoutAGpuTheHugepageNodeDecides()
    {
        var p = Plan(SimHosts.TwoSocket(), 4, hugepageNodes: "1");
        CpuSet.Of(p.VcpuCpus).ToString().ShouldBe("8-9,24-25");
        p.Rules.ShouldContain("NUMA: the guest stays on node 1, where numatune binds its memory (hugepages)");
    }

    [Fact]
    public void AGuestLargerThanTheGpusNodeSpillsOntoTheOtherAndSaysSo()
    {
        var p = Plan(SimHosts.TwoSocket(), 18, gpu: SimHosts.Gpu);
        p.GuestCores.Count(c => c.Node == 1).ShouldBe(8);
        p.GuestCores.Count(c => c.Node == 0).ShouldBe(1);
        p.Rules.ShouldContain(r => r.StartsWith("NUMA: the guest spans nodes 1,0", StringComparison.Ordinal) || r.StartsWith("NUMA: the guest spans nodes 0,1", StringComparison.Ordinal));
    }

    [Fact]
    public void TheLaptopGivesOneVcpuPerCoreAndKeepsCoreZero()
    {
        var p = Plan(SimHosts.Laptop(), 3);
        Cpus(p).ShouldBe("1,2,3");
        p.HostCpus.ToString().ShouldBe("0");
        p.Rules.ShouldContain("SMT: none on this host; guest topology 1 socket, 3 cores, 1 thread");
    }

    [Fact]
    public void TheOfflineHostNeverPinsAnOfflineCpuNorPairsTheCoreThatLostASibling()
    {
        var p = Plan(SimHosts.WithOffline(), 6);
        Cpus(p).ShouldBe("1,9,2,10,3,11");
        var q = Plan(SimHosts.WithOffline(), 8);
        CpuSet.Of(q.VcpuCpus).Intersect(CpuSet.Parse("5,7,13,15")).IsEmpty.ShouldBeTrue();
        Cpus(q).ShouldBe("1,9,2,10,3,11,4,12");
    }

    [Fact]
    public void HostCoresKeepsThatManyWholeCoresForTheHost()
    {
        var p = Plan(SimHosts.AmdDesktop(), 4, hostCores: 2);
        p.Emulator.ToString().ShouldBe("0-1,16-17");
        Cpus(p).ShouldBe("2,18,3,19");
    }
}
