using System.Globalization;
using HookDispatcher.Engine;
using HookDispatcher.Host;
using HookDispatcher.Values;

namespace HookDispatcher.Handlers.Hugepages;

/// <summary>
/// A domain's share of one hugepage pool (<see cref="HugepagesStep"/>): given back exactly, never below what other
/// domains and the pool's baseline hold.
/// </summary>
internal sealed class HugepagesRecord : IRecordKind
{
    public string Name => HugepagesHandler.KindName;

    public bool SharesHostState => true;

    public void Undo(StepRecord record, ExecContext context)
    {
        var share = HugepageShare.FromRecord(context.Domain, record);
        var pool = share.Pool;
        // share.Pages is the grant once known (Granted: a short grant the step gave back itself records what is
        // left of it, so nothing is given back twice). For an intent left by a crash it is unknown: at most what
        // the pool gained since the step read it (Start) goes back, as a crash before the kernel write took
        // nothing. Files written before the grant was recorded: a done record holds all its pages.
        var data = record.As<HugepagesData>();
        var since = data.Granted is null && record.Status == StepStatus.Intent ? data.Start : null;
        var given = new HugepageShares(context, pool.PageSizeBytes, record.Id).GiveBack(context.Fs, pool, share.Pages, share.Baselines, since);
        context.Log.Information("Pool {Pool:l}: gave back {Given} of {Pages} page(s)", pool.NrPath, given, share.Pages);
    }

    public IReadOnlyList<string> DescribeUndo(StepRecord record)
    {
        var share = HugepageShare.FromRecord("", record);
        var through = share.Pool.Node is null ? " (through the node pools that hold more than their share)" : "";
        return [$"lower {share.Pool.NrPath} by {share.Pages}{through}, not below what other domains and the pools' baselines ({HugepageShare.FormatBaselines(share.Baselines)}) hold"];
    }

    /// <summary>The pool must hold at least the baseline and every domain's share; pages are never taken back from a running VM.</summary>
    public IReadOnlyList<Finding> Reconcile(StepRecord record, ExecContext context)
    {
        var share = HugepageShare.FromRecord(context.Domain, record);
        var shares = new HugepageShares(context, share.Pool.PageSizeBytes, record.Id);
        var needed = shares.Floor(share.Pool, share.Baselines) + share.Pages;
        var now = share.Pool.Read(context.Fs);
        return now >= needed
            ? [Finding.Ok(FormattableString.Invariant($"{share.Pool.NrPath} holds {now} page(s), at least the {needed} accounted for"))]
            : [Finding.Problem(FormattableString.Invariant($"{share.Pool.NrPath} holds {now} page(s), fewer than the {needed} the domains and the baseline account for (lowered by hand?)"))];
    }

    public IReadOnlyList<string> DescribeHost(StepRecord record, IHostFs fs)
    {
        var pool = HugepageShare.FromRecord("", record).Pool;
        return [FormattableString.Invariant($"{pool.NrPath} is {pool.Read(fs)} (this record: {record.As<HugepagesData>().Pages} page(s))")];
    }
}

/// <summary>
/// What a <see cref="HugepagesRecord"/> holds: the pool, what the domain asked and got, and the counts of every
/// pool of the size before the first domain took pages of it (<see cref="Baselines"/>), which no release may take.
/// </summary>
internal sealed class HugepagesData : RecordData
{
    protected override string KindName => HugepagesHandler.KindName;

    /// <summary>The pool's nr_hugepages file, for whoever reads the file.</summary>
    public required string Pool { get; init; }

    public required ulong PageSizeBytes { get; init; }

    /// <summary>The host NUMA node of a node pool; null for the global pool.</summary>
    public int? Node { get; init; }

    /// <summary>The pages asked for.</summary>
    public required long Pages { get; init; }

    /// <summary>"global" → count, "node0" → count, … before the first holder of this page size.</summary>
    public required Dictionary<string, long> Baselines { get; init; }

    /// <summary>The pool's count when the step read it, before its write: what an interrupted intent gives back down to.</summary>
    public long? Start { get; init; }

    /// <summary>What the kernel granted and the domain keeps; null until known (a crash left an intent).</summary>
    public long? Granted { get; set; }

    public HugepagePool PoolOf() => new(PageSizeBytes, Node);

    public static HugepagesData FromLegacy(LegacyData data)
    {
        var node = data.OptionalLong("node") is { } n ? (int)n : (int?)null;
        var pool = new HugepagePool((ulong)data.Long("pageSizeBytes"), node);
        var baselines = new Dictionary<string, long>(StringComparer.Ordinal);
        if (data.Optional("baselines") is { } text)
        {
            foreach (var pair in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=');
                if (eq <= 0 || !long.TryParse(pair.AsSpan(eq + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                {
                    throw new InvalidDataException($"state record '{data.Id}': bad baselines entry '{pair}'");
                }
                baselines[pair[..eq]] = count;
            }
        }
        else
        {
            // A record written before per-node accounting knew only the baseline of its own pool.
            baselines[pool.Place] = data.Long("baseline");
        }
        return new HugepagesData
        {
            Pool = data.Optional("pool") ?? pool.NrPath,
            PageSizeBytes = pool.PageSizeBytes,
            Node = node,
            Pages = data.Long("pages"),
            Baselines = baselines,
            Start = data.OptionalLong("start"),
            Granted = data.OptionalLong("granted"),
        };
    }
}
