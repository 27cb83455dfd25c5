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
        // share.Pages is the grant once known ("granted": a short grant the step gave back itself records what is
        // left of it, so nothing is given back twice). For an intent left by a crash it is unknown: at most what
        // the pool gained since the step read it ("start") goes back, as a crash before the kernel write took
        // nothing. Files written before "granted" existed: a done record holds all its pages.
        long? since = !record.Data.ContainsKey("granted") && record.Status == StepStatus.Intent && record.Data.ContainsKey("start")
            ? record.GetLong("start")
            : null;
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
        return [FormattableString.Invariant($"{pool.NrPath} is {pool.Read(fs)} (this record: {record.Get("pages")} page(s))")];
    }
}
