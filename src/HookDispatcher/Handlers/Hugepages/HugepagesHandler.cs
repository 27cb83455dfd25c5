using System.Globalization;
using HookDispatcher.Engine;
using HookDispatcher.Host;
using HookDispatcher.Values;

namespace HookDispatcher.Handlers.Hugepages;

/// <summary>
/// Reserves this domain's hugepages on top of what the pool already holds, and gives back exactly that share.
/// Accounting is derived from every domain's state records, so one VM's release never takes another's pages.
/// </summary>
internal sealed class HugepagesHandler : IHandler
{
    public const string KindName = "hugepages";

    public string Kind => KindName;

    public bool SharesHostState => true;

    public IEnumerable<Step> Plan(PlanContext context)
    {
        var rule = context.Rules.Hugepages;
        if (rule is null || rule.At != context.Stage)
        {
            return [];
        }
        var hostDefault = new Lazy<ulong>(() => DefaultPageSize(context.Fs));
        var reservations = HugepagePlanner.Reservations(rule, context.Domain, () => hostDefault.Value);
        foreach (var reservation in reservations)
        {
            var pool = reservation.Pool;
            if (!context.Fs.Exists(pool.Directory))
            {
                throw new PlanException(KindName, $"'{context.Fs.Resolve(pool.Directory)}' does not exist: this kernel has no {pool.SizeName} pool"
                    + (pool.Node is { } node ? FormattableString.Invariant($" on NUMA node {node}") : ""));
            }
        }
        CheckFitsInMemory(context.Fs, reservations);
        return reservations.Select(r => new HugepagesStep(r, rule, context.Fs)).ToList();
    }

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

    /// <summary>
    /// formatdomain: <c>&lt;hugepages/&gt;</c> without a <c>&lt;page&gt;</c> size means the host's default hugepage
    /// size, the <c>Hugepagesize:</c> of /proc/meminfo (1 GiB on hosts booted with <c>default_hugepagesz=1G</c>).
    /// </summary>
    internal static ulong DefaultPageSize(Host.IHostFs fs) =>
        MemInfo.Read(fs, "Hugepagesize") is { } kb and > 0
            ? kb * 1024
            : throw new PlanException(KindName, $"'{fs.Resolve("/proc/meminfo")}' has no Hugepagesize: line, so the host's default hugepage size is unknown (a kernel without hugetlbfs?); give pageSize", hostFailure: true);

    private static void CheckFitsInMemory(IHostFs fs, IReadOnlyList<HugepageReservation> reservations)
    {
        if (!fs.Exists("/proc/meminfo"))
        {
            return;
        }
        var memTotalKb = MemInfo.Read(fs, "MemTotal");
        var wantKb = 0UL;
        foreach (var r in reservations)
        {
            var kb = r.Pages > int.MaxValue ? ulong.MaxValue : (ulong)r.Pages * (r.Pool.PageSizeBytes / 1024);
            wantKb = wantKb > ulong.MaxValue - kb ? ulong.MaxValue : wantKb + kb;
        }
        if (memTotalKb is { } total && wantKb > total)
        {
            var what = string.Join(" + ", reservations.Select(r => FormattableString.Invariant($"{r.Pages} {r.Pool.SizeName} pages")));
            throw new PlanException(KindName,
                $"{what} ({ByteSize.Human(wantKb == ulong.MaxValue ? wantKb : wantKb * 1024)}) exceed this host's memory (MemTotal {ByteSize.Human(total * 1024)})");
        }
    }
}
