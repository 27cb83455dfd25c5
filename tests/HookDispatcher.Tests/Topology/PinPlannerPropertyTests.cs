using System.Xml.Linq;
using CsCheck;
using HookDispatcher.Domain;
using HookDispatcher.Topology;
using HookDispatcher.Values;
using Shouldly;

namespace HookDispatcher.Tests.Topology;

public sealed class PinPlannerPropertyTests
{
    /// <summary>Packages × LLCs × cores, SMT numbered AMD-style (N, N+cores) or Intel-style (pairs), E-cores, offline CPUs.</summary>
    private static readonly Gen<SysfsTopology> Hosts =
        Gen.Select(Gen.Int[1, 2], Gen.Int[1, 2], Gen.Int[1, 6], Gen.Int[0, 2], Gen.Int[0, 3], Gen.ULong)
            .Select(t => Build(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5, t.Item6));

    [Fact]
    public void AProposalNeverSplitsACoreNorPinsAnOfflineCpuAlwaysLeavesTheHostKCoresAndItsXmlNamesEachVcpuOnce() =>
        Gen.Select(Hosts, Gen.Int[1, 40], Gen.Int[1, 3]).Sample((host, vcpus, keep) => Check(host, vcpus, keep), iter: 400);

    private static void Check(SysfsTopology host, int vcpus, int keep)
    {
        var topology = CpuTopologyReader.Read(host.Fs());
        var proposal = PinPlanner.Plan(topology, new PinRequest(vcpus, keep, 1, [], null), out var error);
        var cores = topology.Cores;
        if (proposal is null)
        {
            var free = cores.Skip(keep).ToList();
            var pairs = free.Count(c => c.Threads.Count == 2);
            (free.Count < vcpus && !(vcpus % 2 == 0 && pairs >= vcpus / 2)).ShouldBeTrue($"refused without cause: {error}");
            error.ShouldNotBeEmpty();
            return;
        }
        cores.ShouldAllBe(c => c.Threads.Intersect(proposal.HostCpus).IsEmpty || c.Threads.Except(proposal.HostCpus).IsEmpty);
        CpuSet.Of(proposal.VcpuCpus).Union(proposal.Emulator).Except(topology.Online).IsEmpty.ShouldBeTrue();
        proposal.VcpuCpus.Distinct().Count().ShouldBe(vcpus);
        proposal.VcpuCpus.ShouldAllBe(cpu => !proposal.HostCpus.Contains(cpu));
        cores.Count(c => c.Threads.Except(proposal.HostCpus).IsEmpty).ShouldBeGreaterThanOrEqualTo(keep);
        (proposal.Topology.Sockets * proposal.Topology.Dies * proposal.Topology.Cores * proposal.Topology.Threads).ShouldBe(vcpus);
        var xml = $"<domain><name>p</name><memory unit='MiB'>64</memory>{PinXml.Render(proposal)}</domain>";
        XDocument.Parse(xml).Descendants("vcpupin").Select(p => (int)p.Attribute("vcpu")!).Order().ShouldBe(Enumerable.Range(0, vcpus));
        var pins = DomainXmlReader.Parse(xml, "proposal").Pins;
        pins.Vcpus.ShouldBe(vcpus);
        pins.Vcpu.Keys.Order().ShouldBe(Enumerable.Range(0, vcpus));
        pins.Vcpu.ShouldAllBe(p => p.Value.Count == 1 && p.Value.Cpus[0] == proposal.VcpuCpus[p.Key]);
        pins.Emulator.ShouldBe(proposal.Emulator);
        pins.IoThread[1].ShouldBe(proposal.Emulator);
    }

    private static SysfsTopology Build(int packages, int llcsPerPackage, int coresPerLlc, int smtStyle, int eCores, ulong offlineMask)
    {
        var perPackage = llcsPerPackage * coresPerLlc + eCores;
        var coreCount = packages * perPackage;
        var threads = smtStyle == 0 ? 1 : 2;
        var cpus = new List<SimCpu>();
        for (var core = 0; core < coreCount; core++)
        {
            var package = core / perPackage;
            var inPackage = core % perPackage;
            var isE = inPackage >= llcsPerPackage * coresPerLlc;
            var llc = isE ? llcsPerPackage - 1 : inPackage / coresPerLlc;
            var ids = !isE && threads == 2
                ? smtStyle == 1 ? new[] { core, core + coreCount } : [2 * core, 2 * core + 1]
                : [smtStyle == 2 ? 2 * core : core];
            foreach (var id in ids)
            {
                cpus.Add(new SimCpu(id, package, inPackage, string.Join(',', ids), $"llc{package}-{llc}", package,
                    Kind: eCores > 0 ? (isE ? "atom" : "core") : null, Online: id == 0 || (offlineMask >> (id % 64) & 1) == 0 || id % 5 != 0));
            }
        }
        // The LLC names become CPU lists once every CPU's group is known.
        var groups = cpus.GroupBy(c => c.Llc).ToDictionary(g => g.Key, g => CpuSet.Of(g.Select(c => c.Id)).ToString());
        return new SysfsTopology(cpus.Select(c => c with { Llc = groups[c.Llc] }).OrderBy(c => c.Id).ToList());
    }
}
