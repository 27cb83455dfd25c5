using HookDispatcher.Values;

namespace HookDispatcher.Domain;

/// <summary>
/// What the dispatcher needs from libvirt's live domain XML (stdin of the hook). <see cref="PinnedCpus"/> is every
/// CPU the domain pins anything to; <see cref="VcpuPinnedCpus"/> only those of its vCPUs (<c>&lt;vcpupin&gt;</c>).
/// </summary>
internal sealed record DomainInfo(
    string Name,
    string? Uuid,
    ulong MemoryBytes,
    IReadOnlyList<HugepageBacking> Hugepages,
    bool HugepagesRequested,
    CpuSet? NumaMemoryNodes,
    CpuSet PinnedCpus,
    IReadOnlyList<HostdevPci> Hostdevs,
    CpuSet? VcpuPinnedCpus = null);

/// <summary>One <c>&lt;memoryBacking&gt;&lt;hugepages&gt;&lt;page size unit nodeset/&gt;</c> entry.</summary>
internal sealed record HugepageBacking(ulong PageSizeBytes, CpuSet? Nodeset);

/// <summary>A <c>&lt;hostdev mode='subsystem' type='pci'&gt;</c> source address.</summary>
internal sealed record HostdevPci(PciAddress Address, bool Managed);
