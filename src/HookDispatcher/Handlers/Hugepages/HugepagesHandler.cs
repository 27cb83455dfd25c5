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

    public IReadOnlyList<IRecordKind> RecordKinds { get; } = [new HugepagesRecord()];

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
