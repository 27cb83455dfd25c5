using HookDispatcher.Domain;
using HookDispatcher.Values;

namespace HookDispatcher.Handlers.Hugepages;

/// <summary>Pages to take from one pool, and the guest memory regions (or the rule) they are for.</summary>
internal sealed record HugepageReservation(HugepagePool Pool, long Pages, IReadOnlyList<string> From);

/// <summary>
/// Turns the domain's memory regions and the rule into one reservation per (page size, host node or global pool).
/// </summary>
internal static class HugepagePlanner
{
    public static IReadOnlyList<HugepageReservation> Reservations(Rules.HugepagesRule rule, DomainInfo domain, Func<ulong> hostDefault)
    {
        var regions = domain.MemoryRegions.Where(r => r.Hugepages).ToList();
        ulong SizeOf(MemoryRegion r) => r.PageSizeBytes ?? hostDefault();
        if (rule.PageSizeBytes is { } ruleSize && domain.HugepagesRequested &&
            regions.FirstOrDefault(r => SizeOf(r) != ruleSize) is { } contradicting)
        {
            throw new Engine.PlanException(HugepagesHandler.KindName,
                $"pageSize {ByteSize.KernelSizeName(ruleSize)} in the rule contradicts the domain XML, which backs {contradicting.Name} with {ByteSize.KernelSizeName(SizeOf(contradicting))} pages ({contradicting.From}); QEMU would not use the rule's pages: set pageSize \"auto\" or change the XML");
        }
        if (rule.Count is { } count)
        {
            var sizes = regions.Select(SizeOf).Distinct().ToList();
            if (domain.HugepagesRequested && sizes.Count > 1)
            {
                throw new Engine.PlanException(HugepagesHandler.KindName,
                    $"count {count} names one pool, but the domain XML backs its memory with {string.Join(" and ", sizes.Order().Select(ByteSize.KernelSizeName))} pages; use count \"auto\"");
            }
            var size = rule.PageSizeBytes ?? (domain.HugepagesRequested && sizes.Count == 1 ? sizes[0] : hostDefault());
            var nodes = regions.Select(r => SingleNode(r.HostNodes)).Distinct().ToList();
            var node = rule.Node ?? (nodes.Count == 1 ? nodes[0] : null);
            return [new HugepageReservation(new HugepagePool(size, node), (long)Math.Min(count, long.MaxValue), ["the rule's count"])];
        }
        if (!domain.HugepagesRequested)
        {
            throw new Engine.PlanException(HugepagesHandler.KindName,
                "count is \"auto\" but the domain XML has no <memoryBacking><hugepages/>, so QEMU would not use the pages; add it or give an explicit count");
        }
        if (regions.Count == 0)
        {
            throw new Engine.PlanException(HugepagesHandler.KindName,
                "count is \"auto\" but no memory of the domain is hugepage-backed (no <page nodeset> covers a guest NUMA cell); fix the <page> nodesets or give an explicit count");
        }
        // Each region is its own QEMU memory backend, a whole number of pages: round up per region, then add.
        return regions
            .GroupBy(r => new HugepagePool(SizeOf(r), rule.Node ?? SingleNode(r.HostNodes)))
            .OrderByDescending(g => g.Key.PageSizeBytes).ThenBy(g => g.Key.Node ?? -1)
            .Select(g => new HugepageReservation(
                g.Key,
                PagesOf(g.ToList(), g.Key),
                g.Select(r => $"{r.Name}: {Values.ByteSize.Human(r.SizeBytes)}, {r.From}").ToList()))
            .ToList();
    }

    /// <summary>
    /// The pages <paramref name="regions"/> need in <paramref name="pool"/>, rounded up per region without the
    /// overflow of (size + page − 1) near 2^64, which wrapped an absurd size to a handful of pages. A size no host
    /// can have is refused naming the element it came from.
    /// </summary>
    private static long PagesOf(IReadOnlyList<MemoryRegion> regions, HugepagePool pool)
    {
        var total = 0L;
        foreach (var r in regions)
        {
            var pages = (long)(r.SizeBytes / pool.PageSizeBytes) + (r.SizeBytes % pool.PageSizeBytes == 0 ? 0 : 1);
            // 2^52 bytes (4 PiB) is the most x86-64 can address physically: more is a mistake in the XML.
            if (r.SizeBytes > MaxPhysicalBytes || total > long.MaxValue - pages)
            {
                throw new Engine.PlanException(HugepagesHandler.KindName,
                    $"{r.Name} ({r.From}) is {r.SizeBytes} bytes, more than any host can address (4 PiB); fix the size in the domain XML");
            }
            total += pages;
        }
        return total;
    }

    private const ulong MaxPhysicalBytes = 1UL << 52;

    /// <summary>
    /// Memory bound to exactly one host node comes from that node's pool. Bound to several, the kernel may place a
    /// page on any of them: the global pool (spread over all nodes) serves it, as it does unbound memory.
    /// </summary>
    private static int? SingleNode(Values.CpuSet? nodes) => nodes is { Count: 1 } ? nodes.Cpus[0] : null;
}
