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

    public IEnumerable<Step> Plan(PlanContext context)
    {
        var rule = context.Rules.Hugepages;
        if (rule is null || rule.At != context.Stage)
        {
            yield break;
        }
        var domain = context.Domain;
        var pageSize = rule.PageSizeBytes ?? domain.Hugepages.FirstOrDefault()?.PageSizeBytes ?? ByteSize.TwoMiB;
        if (pageSize != ByteSize.TwoMiB && pageSize != ByteSize.OneGiB)
        {
            throw new PlanException(KindName, $"page size {pageSize / 1024}kB from the domain XML is not 2048kB or 1048576kB");
        }
        ulong count;
        if (rule.Count is { } explicitCount)
        {
            count = explicitCount;
        }
        else if (!domain.HugepagesRequested)
        {
            throw new PlanException(KindName,
                "count is \"auto\" but the domain XML has no <memoryBacking><hugepages/>, so QEMU would not use the pages; add it or give an explicit count");
        }
        else
        {
            count = (domain.MemoryBytes + pageSize - 1) / pageSize;
        }
        var node = rule.Node ?? SingleNode(domain.Hugepages.FirstOrDefault()?.Nodeset) ?? SingleNode(domain.NumaMemoryNodes);
        var pool = new HugepagePool(pageSize, node);
        if (!context.Fs.Exists(pool.Directory))
        {
            throw new PlanException(KindName, $"'{context.Fs.Resolve(pool.Directory)}' does not exist: this kernel has no {pool.SizeName} pool"
                + (node is null ? "" : $" on NUMA node {node}"));
        }
        CheckFitsInMemory(context.Fs, pool, count);
        yield return new HugepagesStep(pool, (long)count, rule, context.Fs);
    }

    public void Undo(StepRecord record, ExecContext context)
    {
        var pool = PoolOf(record);
        var (target, current) = UndoTarget(record, pool, context);
        if (target == current)
        {
            return;
        }
        pool.Write(context.Fs, target);
        var now = pool.Read(context.Fs);
        if (now != target)
        {
            context.Log.Warning("Pool {Pool:l} is {Now} after writing {Target} (pages still in use?)", pool.NrPath, now, target);
        }
    }

    public IReadOnlyList<string> DescribeUndo(StepRecord record)
    {
        var pool = PoolOf(record);
        return [$"write nr_hugepages - {record.Get("pages")} to {pool.NrPath} (not below what other domains and the pool's baseline {record.Get("baseline")} hold)"];
    }

    /// <summary>
    /// Lower by this domain's share, never below the baseline plus every other holder. An intent record whose
    /// write never happened thus cannot take another domain's pages.
    /// </summary>
    internal static (long Target, long Current) UndoTarget(StepRecord record, HugepagePool pool, ExecContext context)
    {
        var current = pool.Read(context.Fs);
        var floor = record.GetLong("baseline") + HeldByOthers(context, pool);
        var target = Math.Max(current - record.GetLong("pages"), floor);
        return (Math.Min(target, current), current);
    }

    internal static long HeldByOthers(ExecContext context, HugepagePool pool) => Sharers(context, pool).Sum(r => r.GetLong("pages"));

    /// <summary>The records of the other domains that hold (or may hold) pages of <paramref name="pool"/>.</summary>
    internal static List<StepRecord> Sharers(ExecContext context, HugepagePool pool) =>
        context.OtherDomainsRecords(KindName).Where(r => r.Get("pool") == pool.Key).ToList();

    private static HugepagePool PoolOf(StepRecord record)
    {
        var node = record.Data.TryGetValue("node", out var n) && n.Length > 0 ? int.Parse(n, CultureInfo.InvariantCulture) : (int?)null;
        return new HugepagePool((ulong)record.GetLong("pageSizeBytes"), node);
    }

    private static int? SingleNode(CpuSet? nodes) => nodes is { Count: 1 } ? nodes.Cpus[0] : null;

    private static void CheckFitsInMemory(IHostFs fs, HugepagePool pool, ulong count)
    {
        if (!fs.Exists("/proc/meminfo"))
        {
            return;
        }
        var memTotalKb = MemInfo.Read(fs, "MemTotal");
        var wantKb = count * (pool.PageSizeBytes / 1024);
        if (memTotalKb is { } total && (wantKb > total || count > int.MaxValue))
        {
            throw new PlanException(KindName,
                $"{count} {pool.SizeName} pages ({ByteSize.Human(wantKb * 1024)}) exceed this host's memory (MemTotal {ByteSize.Human(total * 1024)})");
        }
    }
}
