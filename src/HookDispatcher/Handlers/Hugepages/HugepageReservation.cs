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
            // One host node set for all of the domain's hugepage memory places the count there, as "auto" would.
            var bindings = regions.Select(r => r.HostNodes?.ToString()).Distinct().ToList();
            var bound = bindings.Count == 1 && regions[0].HostNodes is not null ? regions[0] : null;
            return Group(Shares(new HugepagePool(size, rule.Node), (long)Math.Min(count, long.MaxValue), rule.Node is null ? bound : null, "the rule's count"));
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
        // Each region is its own QEMU memory backend, a whole number of pages: round up per region, split each over
        // its host nodes, then add what lands in the same pool.
        var total = 0L;
        return Group(regions.SelectMany(r =>
        {
            var pool = new HugepagePool(SizeOf(r), rule.Node);
            var pages = PagesOf(r, pool.PageSizeBytes);
            total = total > long.MaxValue - pages ? throw TooLarge(r) : total + pages;
            return Shares(pool, pages, rule.Node is null ? r : null, $"{r.Name}: {ByteSize.Human(r.SizeBytes)}, {r.From}");
        }).ToList());
    }

    private static List<HugepageReservation> Group(IEnumerable<(HugepagePool Pool, long Pages, string From)> shares)
    {
        var pools = shares.GroupBy(s => s.Pool).ToList();
        // Larger pages first, then by node (the global pool first); each pool is one group, so the order is total.
        // Sort and ConvertAll, not OrderBy…ThenBy…Select: ThenBy and Select on a LINQ iterator are generic virtual
        // calls, and native AOT resolves each one through its type tables, ~0.1 ms each (DomainXmlReader.Extract).
        pools.Sort((a, b) => a.Key.PageSizeBytes != b.Key.PageSizeBytes
            ? b.Key.PageSizeBytes.CompareTo(a.Key.PageSizeBytes)
            : (a.Key.Node ?? -1).CompareTo(b.Key.Node ?? -1));
        return pools.ConvertAll(g => new HugepageReservation(g.Key, g.Sum(s => s.Pages), g.Select(s => s.From).ToList()));
    }

    /// <summary>
    /// Where <paramref name="pages"/> of <paramref name="bound"/>'s memory go: its one host node's pool, or split
    /// evenly over its host nodes (the first nodes of the set take the remainder), or <paramref name="pool"/>
    /// (the global pool, or the rule's node) when it is not bound.
    /// </summary>
    /// <remarks>
    /// Every numatune mode draws a bound backend's pages from the nodes of its set, so each of them is reserved in
    /// those nodes' pools, not the global one (whose write the kernel spreads over every node):
    /// - strict: QEMU's memory-backend host-nodes with policy=bind is mbind(MPOL_BIND); a hugetlb fault takes a free
    ///   page from the set, the faulting thread's node first, then the others in the mask, so any split within the
    ///   set serves it. We split evenly rather than fill the node with the most free memory first: the split is then
    ///   known at planning (the dry run shows what apply writes, not a guess from a MemFree read that changes before
    ///   QEMU faults the pages), it is the split interleave needs anyway, and it leaves every node of the set the same
    ///   room for the host's node-local allocations. A node that cannot give its share fails the start naming it.
    /// - restrictive: formatdomain, "using system default policy and only cgroups is used to restrict the memory
    ///   nodes": cpuset.mems confines the faults to the set, as strict does.
    /// - interleave: formatdomain's mode names the kernel's MPOL_INTERLEAVE, which places the backend's page i on the
    ///   (i mod n)-th node of the set: exactly the even split, remainder on the first nodes.
    /// - preferred: formatdomain lists it with the others ("either 'interleave', 'strict', 'preferred', or
    ///   'restrictive'"); it is the kernel's MPOL_PREFERRED: the pages come from the preferred node and only fall back
    ///   elsewhere when it has none free, so the preferred node's pool is where they are reserved. libvirt refused a
    ///   preferred set of several nodes before 9.3 ("NUMA memory tuning in 'preferred' mode only supports single
    ///   node") and since then gives it MPOL_PREFERRED_MANY (prefer any node of the set): split as above.
    /// </remarks>
    private static IEnumerable<(HugepagePool Pool, long Pages, string From)> Shares(HugepagePool pool, long pages, MemoryRegion? bound, string from)
    {
        if (bound?.HostNodes is not { Count: > 0 } nodes)
        {
            yield return (pool, pages, from);
            yield break;
        }
        if (nodes.Count == 1)
        {
            yield return (pool with { Node = nodes.Cpus[0] }, pages, from);
            yield break;
        }
        var why = bound.HostNodesMode switch
        {
            "interleave" => "mode='interleave' places page i on the (i mod n)-th node",
            "preferred" => "mode='preferred' wants them on the set's nodes",
            "restrictive" => "mode='restrictive': cpuset.mems confines them to the set",
            _ => $"mode='{bound.HostNodesMode}' lets the kernel take them from any node of the set",
        };
        for (var i = 0; i < nodes.Count; i++)
        {
            var share = pages / nodes.Count + (i < pages % nodes.Count ? 1 : 0);
            if (share > 0)
            {
                yield return (pool with { Node = nodes.Cpus[i] }, share, FormattableString.Invariant(
                    $"{from}: {share} of its {pages} pages, an even share over host nodes {nodes} ({why})"));
            }
        }
    }

    /// <summary>
    /// The pages <paramref name="region"/> needs, rounded up without the overflow of (size + page − 1) near 2^64,
    /// which wrapped an absurd size to a handful of pages. A size no host can have is refused naming the element it
    /// came from.
    /// </summary>
    private static long PagesOf(MemoryRegion region, ulong pageSize) =>
        // 2^52 bytes (4 PiB) is the most x86-64 can address physically: more is a mistake in the XML.
        region.SizeBytes > MaxPhysicalBytes
            ? throw TooLarge(region)
            : (long)(region.SizeBytes / pageSize) + (region.SizeBytes % pageSize == 0 ? 0 : 1);

    private static Engine.PlanException TooLarge(MemoryRegion r) =>
        new(HugepagesHandler.KindName,
            $"{r.Name} ({r.From}) is {r.SizeBytes} bytes, more than any host can address (4 PiB); fix the size in the domain XML");

    private const ulong MaxPhysicalBytes = 1UL << 52;
}
