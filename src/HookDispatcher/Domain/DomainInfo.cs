using HookDispatcher.Values;

namespace HookDispatcher.Domain;

/// <summary>What the dispatcher needs from libvirt's live domain XML (stdin of the hook).</summary>
/// <param name="PinnedCpus">
/// Every host CPU the domain's threads are confined to: <c>&lt;vcpupin&gt;</c>, <c>&lt;emulatorpin&gt;</c>,
/// <c>&lt;iothreadpin&gt;</c> and <c>&lt;vcpu cpuset&gt;</c>.
/// </param>
/// <param name="VcpuPinnedCpus">Only the CPUs of <c>&lt;vcpupin&gt;</c>: where the vCPUs run (cpuGovernor "auto").</param>
internal sealed record DomainInfo(
    string Name,
    string? Uuid,
    ulong MemoryBytes,
    IReadOnlyList<HugepageBacking> Hugepages,
    bool HugepagesRequested,
    CpuSet? NumaMemoryNodes,
    CpuSet PinnedCpus,
    IReadOnlyList<HostdevPci> Hostdevs,
    CpuSet? VcpuPinnedCpus = null)
{
    /// <summary>The guest's memory split by backing (see <see cref="GuestMemoryReader"/>); empty when not read from XML.</summary>
    public IReadOnlyList<MemoryRegion> MemoryRegions { get; init; } = [];

    /// <summary>Each vCPU's, the emulator's and each iothread's pins and the guest topology (hookctl pin, doctor).</summary>
    public DomainPins Pins { get; init; } = DomainPins.None;

    /// <summary>Each <c>&lt;shmem&gt;</c> device (Looking Glass's IVSHMEM).</summary>
    public IReadOnlyList<SharedMemoryDevice> SharedMemory { get; init; } = [];

    /// <summary>Files QEMU is told to map through <c>&lt;qemu:commandline&gt;</c> or <c>&lt;qemu:override&gt;</c> (kvmfr's device).</summary>
    public IReadOnlyList<QemuMemoryFile> QemuMemoryFiles { get; init; } = [];
}

/// <summary>
/// A file QEMU maps that libvirt's own elements do not describe: a <c>memory-backend-file</c>'s <c>mem-path</c>
/// with its <c>size</c> (null: not given or not read), or a path-valued <c>&lt;qemu:override&gt;</c> property.
/// <paramref name="Where"/> says which element it came from, for messages.
/// </summary>
internal sealed record QemuMemoryFile(string Path, ulong? SizeBytes, string Where);

/// <summary>
/// A <c>&lt;shmem name&gt;</c> device. formatdomain ("Shared memory device"): the model defaults to ivshmem-plain,
/// which libvirt backs with <c>/dev/shm/&lt;name&gt;</c>; a <c>&lt;server&gt;</c> makes it ivshmem-doorbell
/// (an ivshmem server's socket, no file). SizeBytes null: no <c>&lt;size&gt;</c> (libvirt's default, 4 MiB).
/// </summary>
internal sealed record SharedMemoryDevice(string Name, string Model, ulong? SizeBytes, bool HasServer);

/// <summary>One <c>&lt;memoryBacking&gt;&lt;hugepages&gt;&lt;page size unit nodeset/&gt;</c> entry.</summary>
internal sealed record HugepageBacking(ulong PageSizeBytes, CpuSet? Nodeset);

/// <summary>A <c>&lt;hostdev mode='subsystem' type='pci'&gt;</c> source address.</summary>
internal sealed record HostdevPci(PciAddress Address, bool Managed);
