using HookDispatcher.Domain;
using HookDispatcher.Host;
using HookDispatcher.Topology;
using HookDispatcher.Values;

namespace HookDispatcher.Doctor;

/// <summary>
/// Checks a domain's actual pins against the host's CPU topology by the rules <c>hookctl pin</c> follows, each
/// warning with its reason and fix, and draws the placement (the picture goes in the topology check's details).
/// </summary>
internal static class PinChecks
{
    /// <summary>Doctor indents details by 9 columns; the picture keeps the line within 100.</summary>
    public const int PictureWidth = 91;

    private const string Propose = "hookctl pin DOMAIN proposes a placement that follows the topology";

    public static IEnumerable<DoctorCheck> Run(IHostFs fs, string area, DomainInfo info)
    {
        var pins = info.Pins;
        if (pins.Vcpu.Count == 0 && pins.Emulator is null && pins.IoThread.Count == 0)
        {
            return [];
        }
        var topology = CpuTopologyReader.Read(fs);
        var picture = TopologyPicture.Render(topology, TopologyPicture.Labels(pins), PictureWidth, colour: false);
        var checks = new List<DoctorCheck>
        {
            DoctorCheck.Pass(area, "CPU topology", topology.Summary()) with { Details = [.. picture, TopologyPicture.Legend] },
        };
        var propose = Propose.Replace("DOMAIN", info.Name, StringComparison.Ordinal);
        var warnings = Warnings(fs, topology, info, propose).ToList();
        checks.AddRange(warnings);
        if (warnings.Count == 0)
        {
            var guest = Guest(pins);
            var cores = guest.Cpus.Select(topology.CoreOf).OfType<CpuCore>().Distinct().Count();
            checks.Add(DoctorCheck.Pass(area, "CPU pins", $"{pins.Vcpu.Count} vCPU(s) on {cores} whole core(s), apart from the emulator; the host keeps {topology.Online.Except(guest)}"));
        }
        return checks;
    }

    private static CpuSet Guest(DomainPins pins) => pins.Vcpu.Values.Aggregate(CpuSet.Empty, (all, set) => all.Union(set));

    private static IEnumerable<DoctorCheck> Warnings(IHostFs fs, CpuTopology topology, DomainInfo info, string propose)
    {
        var area = $"domain {info.Name}";
        var pins = info.Pins;
        var guest = Guest(pins);
        var all = pins.IoThread.Values.Aggregate(guest.Union(pins.Emulator ?? CpuSet.Empty), (a, s) => a.Union(s));
        var offline = all.Except(topology.Online);
        if (!offline.IsEmpty)
        {
            yield return DoctorCheck.Warning(area, "CPU pins", $"CPU(s) {offline} are pinned but not online (online: {topology.Online})",
                $"pin online CPUs only, or bring them up (echo 1 > /sys/devices/system/cpu/cpuN/online); {propose}");
        }
        if (!guest.IsEmpty && topology.Online.Except(guest).IsEmpty)
        {
            yield return DoctorCheck.Warning(area, "CPU pins", $"the vCPUs take every online CPU ({topology.Online}): none is left to the host",
                $"leave at least one whole core to the host and pin the emulator there; {propose}");
        }
        var guestCores = guest.Cpus.Select(topology.CoreOf).OfType<CpuCore>().Distinct().OrderBy(c => c.Index).ToList();
        var split = guestCores.Where(c => !c.Threads.Except(guest).IsEmpty).ToList();
        if (split.Count > 0)
        {
            yield return DoctorCheck.Warning(area, "CPU pins",
                $"{string.Join("; ", split.Select(c => $"{c.Describe()}: {c.Threads.Intersect(guest)} for vCPUs, {c.Threads.Except(guest)} for the host"))}: " +
                "the host's work then shares the core (its L1/L2 and execution units) with a vCPU",
                "give both threads of each core to the guest (two sibling vCPUs) or both to the host");
        }
        if (SiblingSplits(topology, pins) is { Count: > 0 } mixed)
        {
            var threads = pins.Topology?.Threads ?? 1;
            yield return DoctorCheck.Warning(area, "CPU pins",
                $"{string.Join("; ", mixed)}: the guest topology (threads='{threads}') says they are not siblings, so its scheduler treats shared units as separate cores",
                topology.Smt ? "pin vCPUs 2n and 2n+1 to the two threads of one core and set <topology … threads='2'/>" : "give each vCPU a core of its own");
        }
        if (Spread(guestCores, topology) is { } spread)
        {
            yield return DoctorCheck.Warning(area, "CPU pins", spread, $"keep the guest's cores in one LLC / node; {propose}");
        }
        foreach (var warning in Locality(fs, topology, info, guestCores))
        {
            yield return DoctorCheck.Warning(area, "CPU pins", warning, $"pin the vCPUs on that node (and bind the memory there with <numatune>); {propose}");
        }
        if (pins.Emulator is { } emulator && guestCores.Where(c => !c.Threads.Intersect(emulator).IsEmpty).ToList() is { Count: > 0 } shared)
        {
            yield return DoctorCheck.Warning(area, "CPU pins",
                $"the emulator (emulatorpin {emulator}) shares {string.Join(", ", shared.Select(c => c.Describe()))} with vCPUs: its I/O work steals their time",
                "pin the emulator (and iothreads) to the host's cores: <emulatorpin cpuset='…'/> outside the vCPUs' cores");
        }
    }

    /// <summary>Cores whose threads run vCPUs the guest topology does not make siblings.</summary>
    private static List<string> SiblingSplits(CpuTopology topology, DomainPins pins)
    {
        var shape = pins.Topology ?? new GuestCpuTopology(1, 1, pins.Vcpus ?? pins.Vcpu.Count, 1);
        var onCore = pins.Vcpu.Where(p => p.Value.Count == 1 && topology.CoreOf(p.Value.Cpus[0]) is not null)
            .GroupBy(p => topology.CoreOf(p.Value.Cpus[0])!)
            .OrderBy(g => g.Key.Index);
        var splits = new List<string>();
        foreach (var core in onCore)
        {
            var vcpus = core.Select(p => p.Key).Order().ToList();
            if (vcpus.Any(v => !shape.Siblings(v, vcpus[0])))
            {
                splits.Add($"{core.Key.Describe()} runs vCPUs {string.Join(" and ", vcpus)}");
            }
        }
        return splits;
    }

    private static string? Spread(List<CpuCore> guest, CpuTopology topology)
    {
        var llcs = guest.Select(c => c.Llc).Distinct().ToList();
        if (llcs.Count > 1 && llcs.All(l => l is not null))
        {
            var largest = topology.Cores.GroupBy(c => c.Llc!.ToString()).Max(g => g.Count());
            if (guest.Count <= largest)
            {
                return $"the vCPUs' {guest.Count} cores span {llcs.Count} last-level caches ({string.Join(" and ", llcs)}) though one LLC has {largest} cores: every cross-LLC access is slower";
            }
        }
        var nodes = guest.Select(c => c.Node ?? -1).Distinct().ToList();
        if (nodes.Count > 1 && nodes.All(n => n >= 0))
        {
            var largest = topology.Cores.GroupBy(c => c.Node ?? -1).Max(g => g.Count());
            if (guest.Count <= largest)
            {
                return $"the vCPUs' {guest.Count} cores span NUMA nodes {string.Join(",", nodes)} though one node has {largest} cores: memory on the other node is slower";
            }
        }
        return null;
    }

    private static IEnumerable<string> Locality(IHostFs fs, CpuTopology topology, DomainInfo info, List<CpuCore> guest)
    {
        if (guest.Count == 0 || guest.Any(c => c.Node is null))
        {
            yield break;
        }
        var guestNodes = CpuSet.Of(guest.Select(c => c.Node!.Value));
        foreach (var device in info.Hostdevs)
        {
            if (CpuTopologyReader.PciNode(fs, device.Address) is { } node && !guestNodes.Equals(CpuSet.Of([node])))
            {
                yield return $"PCI {device.Address} is on NUMA node {node}, the vCPUs on node(s) {guestNodes}: its DMA and interrupts cross the interconnect";
            }
        }
        if (info.NumaMemoryNodes is { IsEmpty: false } memory && !guestNodes.Except(memory).IsEmpty)
        {
            yield return $"numatune binds the memory (hugepages) to node(s) {memory}, the vCPUs run on node(s) {guestNodes}";
        }
    }
}
