using System.Globalization;
using HookDispatcher.Engine;
using HookDispatcher.Host;
using HookDispatcher.Rules;

namespace HookDispatcher.Handlers.Hugepages;

/// <summary>
/// Raises the pool by exactly <see cref="Pages"/> and reads back. The kernel may grant fewer than asked; then the
/// escalation steps run (by default only when short: compact, then drop caches) and the write is retried.
/// </summary>
internal sealed class HugepagesStep(HugepageReservation reservation, HugepagesRule rule, IHostFs planFs) : Step
{
    public HugepagePool Pool { get; } = reservation.Pool;

    public long Pages { get; } = reservation.Pages;

    /// <summary>One step per pool: "hugepages:2048kB", "hugepages:1048576kB@node0".</summary>
    public override string Id => IdOf(Pool);

    public override string Kind => HugepagesHandler.KindName;

    public override string Summary =>
        FormattableString.Invariant($"reserve {Pages} × {Pool.SizeName} hugepages {(Pool.Node is { } n ? $"on host node {n}" : "in the global pool")}");

    public static string IdOf(HugepagePool pool) =>
        $"{HugepagesHandler.KindName}:{pool.SizeName}{(pool.Node is null ? "" : "@" + pool.Place)}";

    public override IReadOnlyList<string> Actions
    {
        get
        {
            var actions = reservation.From.Select(f => "for " + f).ToList();
            if (rule.DropCaches == Escalation.Always)
            {
                actions.Add($"write 3 to {MemoryReclaim.DropCachesPath}");
            }
            if (rule.CompactMemory == Escalation.Always)
            {
                actions.Add($"write 1 to {MemoryReclaim.CompactMemoryPath}");
            }
            var now = planFs.Exists(Pool.NrPath) ? Pool.Read(planFs) : 0;
            actions.Add(FormattableString.Invariant(
                $"write {now + Pages} to {Pool.NrPath} (now {now}), read back; up to {rule.Attempts} attempt(s)"));
            var escalation = EscalationOrder();
            if (escalation.Count > 0)
            {
                actions.Add("if short: " + string.Join(", then ", escalation.Select(e => $"write {e.Value} to {e.Path}")) + ", retrying after each");
            }
            actions.Add(FormattableString.Invariant($"if still short: give the partial grant back ({Pool.NrPath} to {now}) and fail"));
            return actions;
        }
    }

    public override void Apply(StepScope scope)
    {
        var fs = scope.Context.Fs;
        var shares = new HugepageShares(scope.Context, Pool.PageSizeBytes, Id);
        var start = Pool.Read(fs);
        // The first holder of this page size records what every pool of the size had; later ones keep that.
        var baselines = shares.Baselines ?? HugepageShares.Snapshot(fs, Pool, start);
        var target = start + Pages;
        var data = new HugepagesData
        {
            Pool = Pool.NrPath,
            PageSizeBytes = Pool.PageSizeBytes,
            Node = Pool.Node,
            Pages = Pages,
            Baselines = new Dictionary<string, long>(baselines, StringComparer.Ordinal),
            Start = start,
        };
        scope.Intent(data);
        if (rule.DropCaches == Escalation.Always)
        {
            MemoryReclaim.DropCaches(fs);
        }
        if (rule.CompactMemory == Escalation.Always)
        {
            MemoryReclaim.CompactMemory(fs);
        }
        var escalation = EscalationOrder();
        long now = start;
        for (var attempt = 1; attempt <= rule.Attempts; attempt++)
        {
            Pool.Write(fs, target);
            now = Pool.Read(fs);
            if (now >= target)
            {
                scope.Context.Log.Information("Pool {Pool:l} raised {Start} → {Now} on attempt {Attempt}", Pool.NrPath, start, now, attempt);
                data.Granted = Pages;
                scope.Done();
                return;
            }
            scope.Context.Log.Warning("Attempt {Attempt}: got {Got} of {Pages} {Size:l} pages", attempt, now - start, Pages, Pool.SizeName);
            if (attempt < rule.Attempts && escalation.Count > 0)
            {
                var (path, value) = escalation[Math.Min(attempt - 1, escalation.Count - 1)];
                fs.WriteText(path, value);
            }
        }
        // Give back the partial grant here, so the failure leaves the pools exactly as found; what is left of it
        // (nothing, unless a floor stopped the give-back) is journalled, so the undo that follows gives back only that.
        var partial = Math.Max(0, now - start);
        var kept = partial - shares.GiveBack(fs, Pool, partial, baselines);
        data.Granted = kept;
        scope.Update();
        throw new HugepagesShortException(FormattableString.Invariant(
            $"got {Math.Max(0, now - start)} of {Pages} {Pool.SizeName} pages in {fs.Resolve(Pool.NrPath)} after {rule.Attempts} attempt(s)"));
    }

    /// <summary>What runs after the 1st, 2nd, … short attempt; the last entry repeats. Compaction first: it keeps the page cache.</summary>
    private List<(string Path, string Value)> EscalationOrder()
    {
        var order = new List<(string, string)>();
        if (rule.CompactMemory == Escalation.IfShort)
        {
            order.Add((MemoryReclaim.CompactMemoryPath, "1"));
        }
        if (rule.DropCaches == Escalation.IfShort)
        {
            order.Add((MemoryReclaim.DropCachesPath, "3"));
        }
        if (rule.CompactMemory == Escalation.IfShort && order.Count > 1)
        {
            // After dropping caches the freed pages are scattered: compact again before the next tries.
            order.Add((MemoryReclaim.CompactMemoryPath, "1"));
        }
        return order;
    }
}

/// <summary>The kernel did not grant all pages within the attempts.</summary>
internal sealed class HugepagesShortException(string message) : Exception(message);
