using HookDispatcher.Engine;
using HookDispatcher.Host;

namespace HookDispatcher.Handlers.Hugepages;

/// <summary>One domain's reservation in one pool, as its state record holds it.</summary>
/// <param name="Baselines">
/// The counts of the global pool and of every node pool of this size before the first domain took pages of it
/// ("global" → 0, "node0" → 0, …): what the host had, which no release may take.
/// </param>
internal sealed record HugepageShare(string Domain, HugepagePool Pool, long Pages, IReadOnlyDictionary<string, long> Baselines)
{
    public static HugepageShare FromRecord(string domain, StepRecord record)
    {
        var data = record.As<HugepagesData>();
        // What the domain holds: its grant once known, else (an intent, another domain's step under way or left
        // by a crash) all it asked for, which keeps the others' floors on the safe side.
        return new HugepageShare(domain, data.PoolOf(), data.Granted ?? data.Pages, data.Baselines);
    }

    public static string FormatBaselines(IReadOnlyDictionary<string, long> baselines) =>
        string.Join(' ', baselines.Select(b => FormattableString.Invariant($"{b.Key}={b.Value}")));
}

/// <summary>
/// The ledger's answer for one page size: what every other reservation (other domains', and this domain's other
/// pools) holds in its global and per-node pools. The
/// global <c>nr_hugepages</c> is the sum of the per-node counts, so a node pool's share also counts in the global
/// pool, and a global share may sit on any node.
/// </summary>
internal sealed class HugepageShares
{
    private readonly List<HugepageShare> _others;

    public HugepageShares(ExecContext context, ulong pageSizeBytes, string recordId)
    {
        _others = context.Ledger.HeldBesides(HugepagesHandler.KindName, context.Domain, recordId)
            .Select(h => HugepageShare.FromRecord(h.Domain, h.Record))
            .Where(s => s.Pool.PageSizeBytes == pageSizeBytes)
            .ToList();
    }

    public bool Any => _others.Count > 0;

    /// <summary>The baselines the first holder of this size recorded, which every later holder keeps.</summary>
    public IReadOnlyDictionary<string, long>? Baselines => _others.Count > 0 ? _others[0].Baselines : null;

    /// <summary>Pages other domains hold in <paramref name="pool"/>: a node's own shares, or every share for the global pool.</summary>
    public long HeldByOthers(HugepagePool pool) =>
        _others.Where(s => pool.Node is null || s.Pool.Node == pool.Node).Sum(s => s.Pages);

    /// <summary>What <paramref name="pool"/> must keep: what the host had before any domain, plus every other domain's share.</summary>
    public long Floor(HugepagePool pool, IReadOnlyDictionary<string, long> baselines) =>
        baselines.GetValueOrDefault(pool.Place) + HeldByOthers(pool);

    /// <summary>
    /// Gives back up to <paramref name="pages"/> of <paramref name="pool"/> without going below any floor. A node
    /// pool is lowered directly (never below its floor nor the global floor); the global pool is lowered through
    /// the node pools that hold more than their floor, so the kernel cannot pick pages another domain bound to a
    /// node. Returns the number of pages given back.
    /// </summary>
    /// <param name="since">
    /// For a grant whose size is unknown (an intent left by a crash): the pool's count before it, so that at most
    /// what the pool gained since is given back (a crash before the kernel write took nothing).
    /// </param>
    public long GiveBack(IHostFs fs, HugepagePool pool, long pages, IReadOnlyDictionary<string, long> baselines, long? since = null)
    {
        // Each pool file is read once: the kernel's counts only change through our writes while the lock is held.
        var global = pool.Global;
        var globalNow = global.Read(fs);
        var globalSlack = globalNow - Floor(global, baselines);
        if (pool.Node is null && since is { } start)
        {
            pages = Math.Clamp(globalNow - start, 0, pages);
        }
        if (pool.Node is not null)
        {
            var current = pool.Read(fs);
            if (since is { } nodeStart)
            {
                pages = Math.Clamp(current - nodeStart, 0, pages);
            }
            var d = Math.Min(pages, Math.Min(current - Floor(pool, baselines), globalSlack));
            if (d <= 0)
            {
                return 0;
            }
            pool.Write(fs, current - d);
            return d;
        }
        var remaining = Math.Min(pages, globalSlack);
        var given = 0L;
        foreach (var node in remaining > 0 ? pool.NodePools(fs) : [])
        {
            var current = node.Read(fs);
            var take = Math.Min(remaining, current - Floor(node, baselines));
            if (take > 0)
            {
                node.Write(fs, current - take);
                remaining -= take;
                given += take;
            }
            if (remaining <= 0)
            {
                break;
            }
        }
        if (remaining > 0)
        {
            // No node pools (a kernel without NUMA in sysfs), or node counts that do not add up: the global file.
            global.Write(fs, globalNow - given - remaining);
            given += remaining;
        }
        return given;
    }

    /// <summary>
    /// The counts of the global pool and each node pool now: the baselines of the first holder. <paramref name="count"/>
    /// is <paramref name="pool"/>'s count, just read.
    /// </summary>
    public static Dictionary<string, long> Snapshot(IHostFs fs, HugepagePool pool, long count)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal) { [pool.Place] = count };
        foreach (var other in pool.Global.NodePools(fs).Append(pool.Global).Where(p => p != pool))
        {
            result[other.Place] = other.Read(fs);
        }
        return result;
    }
}
