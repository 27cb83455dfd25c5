using HookDispatcher.Host;
using HookDispatcher.Topology;
using HookDispatcher.Values;
using Shouldly;

namespace HookDispatcher.Tests.Topology;

public sealed class CpuTopologyReaderTests
{
    private static CpuTopology Read(SysfsTopology host) => CpuTopologyReader.Read(host.Fs());

    private static string Core(CpuTopology topology, int cpu) => topology.CoreOf(cpu)!.Threads.ToString();

    [Fact]
    public void TheAmdDesktopReadsBackAsSixteenSmtCoresInTwoLastLevelCaches()
    {
        var topology = Read(SimHosts.AmdDesktop());
        topology.Summary().ShouldBe("1 package, 2 LLCs, 16 cores, 32 threads (SMT), 1 NUMA node");
        Core(topology, 3).ShouldBe("3,19");
        Core(topology, 19).ShouldBe("3,19");
        topology.Llcs.Select(l => l.ToString()).ShouldBe(["0-7,16-23", "8-15,24-31"]);
        topology.Cpu(8)!.LlcLevel.ShouldBe(3);
        topology.Cpu(8)!.Node.ShouldBe(0);
        topology.Cpu(8)!.Package.ShouldBe(0);
        topology.Cpu(8)!.Kind.ShouldBe(CoreKind.Unknown);
    }

    [Fact]
    public void TheHybridIntelDesktopReadsBackAsEightPCoresWithSiblingsAndSixteenSingleThreadedECores()
    {
        var topology = Read(SimHosts.IntelHybrid());
        topology.Hybrid.ShouldBeTrue();
        topology.Summary().ShouldBe("1 package, 1 LLC, 24 cores (8 P + 16 E), 32 threads (SMT), 1 NUMA node");
        Core(topology, 5).ShouldBe("4-5");
        topology.CoreOf(5)!.Kind.ShouldBe(CoreKind.Performance);
        Core(topology, 20).ShouldBe("20");
        topology.CoreOf(20)!.Kind.ShouldBe(CoreKind.Efficiency);
        topology.Cpu(20)!.Cluster.ShouldBe(9);
        topology.Cores.Count(c => c.Kind == CoreKind.Performance && c.Threads.Count == 2).ShouldBe(8);
    }

    [Fact]
    public void TheTwoSocketServerReadsBackWithEachSocketOnItsOwnNodeAndTheGpuOnNodeOne()
    {
        var host = SimHosts.TwoSocket();
        var fs = host.Fs();
        var topology = CpuTopologyReader.Read(fs);
        topology.Summary().ShouldBe("2 packages, 2 LLCs, 16 cores, 32 threads (SMT), 2 NUMA nodes");
        topology.Cpu(24)!.Node.ShouldBe(1);
        topology.Cpu(24)!.Package.ShouldBe(1);
        Core(topology, 24).ShouldBe("8,24");
        PciAddress.TryParse(SimHosts.Gpu, out var gpu).ShouldBeTrue();
        CpuTopologyReader.PciNode(fs, gpu).ShouldBe(1);
    }

    [Fact]
    public void TheLaptopWithoutSmtReadsBackAsFourSingleThreadedCores()
    {
        var topology = Read(SimHosts.Laptop());
        topology.Smt.ShouldBeFalse();
        topology.Summary().ShouldBe("1 package, 1 LLC, 4 cores, 4 threads, 1 NUMA node");
        topology.Cores.ShouldAllBe(c => c.Threads.Count == 1);
    }

    [Fact]
    public void OfflineCpusAreKnownAsOfflineAndLeaveTheirCoreWithTheThreadsStillOnline()
    {
        var topology = Read(SimHosts.WithOffline());
        topology.Offline.ToString().ShouldBe("7,13,15");
        topology.Online.ToString().ShouldBe("0-6,8-12,14");
        topology.Cores.Count.ShouldBe(7);
        Core(topology, 5).ShouldBe("5");
        topology.CoreOf(7).ShouldBeNull();
        topology.Cpu(13)!.Online.ShouldBeFalse();
        topology.Cpu(13)!.Core.ShouldBeNull();
        topology.Summary().ShouldEndWith(", offline 7,13,15");
    }

    [Fact]
    public void MissingSiblingCacheAndNodeFilesMakeThoseFactsUnknownAndPairNothingOnAGuess()
    {
        var host = SimHosts.AmdDesktop();
        host.Without.UnionWith(["thread_siblings_list", "core_cpus_list", "shared_cpu_list", "cpulist", "physical_package_id"]);
        var topology = Read(host);
        topology.Cores.Count.ShouldBe(32);
        topology.Cores.ShouldAllBe(c => c.Threads.Count == 1 && c.Llc == null && c.Node == null && c.Package == null);
        topology.Summary().ShouldBe("packages unknown, LLC unknown, 32 cores, 32 threads, NUMA node unknown");
    }

    [Fact]
    public void ThisMachineReadsBackAsTheKernelListsItsOnlineCpusAndSiblings()
    {
        const string cpu = "/sys/devices/system/cpu";
        var real = new HostFs("/");
        var topology = CpuTopologyReader.Read(real);
        topology.Online.ShouldBe(CpuSet.Parse(File.ReadAllText($"{cpu}/online")));
        foreach (var id in topology.Online.Cpus)
        {
            var siblings = $"{cpu}/cpu{id}/topology/thread_siblings_list";
            if (File.Exists(siblings))
            {
                topology.CoreOf(id)!.Threads.ShouldBe(CpuSet.Parse(File.ReadAllText(siblings)).Intersect(topology.Online));
            }
        }
    }
}
