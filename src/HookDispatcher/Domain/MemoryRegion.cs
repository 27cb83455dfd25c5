using HookDispatcher.Values;

namespace HookDispatcher.Domain;

/// <summary>
/// One stretch of guest memory with a single backing, as QEMU gets it from libvirt: a guest NUMA cell (or the whole
/// guest without NUMA), or one memory device.
/// </summary>
/// <param name="Name">"guest NUMA cell 1", "guest memory", "memory device dimm (target node 0)".</param>
/// <param name="Hugepages">False: ordinary memory (no <c>&lt;page&gt;</c> covers it, a file-backed device, …).</param>
/// <param name="PageSizeBytes">The hugepage size; null with <paramref name="Hugepages"/> means the host's default size.</param>
/// <param name="HostNodes">The host NUMA nodes the memory is bound to; null: no binding (the global pool serves it).</param>
/// <param name="From">Where the page size and host nodes come from in the XML, for the dry run.</param>
internal sealed record MemoryRegion(string Name, ulong SizeBytes, bool Hugepages, ulong? PageSizeBytes, CpuSet? HostNodes, string From)
{
    /// <summary>
    /// The numatune mode of the binding ("strict", "preferred", "interleave", "restrictive"; formatdomain: "defaults
    /// to 'strict'"), which says how the kernel picks among <see cref="HostNodes"/>.
    /// </summary>
    public string HostNodesMode { get; init; } = "strict";
}
