using System.Globalization;
using HookDispatcher.Engine;
using HookDispatcher.Host;
using HookDispatcher.Values;

namespace HookDispatcher.Handlers.CpuIsolation;

/// <summary>
/// Moves every IRQ (<c>/proc/irq/N/smp_affinity_list</c>) and the affinity new IRQs get
/// (<c>/proc/irq/default_smp_affinity</c>, a hex mask) off the VM's CPUs, after journalling each previous value.
/// </summary>
/// <remarks>
/// A step of its own (record kind <see cref="KindName"/>), not part of the AllowedCPUs record: each has its own
/// journal record, so a crash between them leaves an exact account, a kernel without /proc/irq plans no such step,
/// and the other domains' records of this kind are exactly the holders of these files (their intersection and
/// first-found values), with no AllowedCPUs-only record to skip.
/// <para>An IRQ keeps the part of its own affinity that stays on the host (an IRQ pinned to CPU 0 stays on 0); only
/// one with nothing left there gets the whole host set. IRQs the kernel will not move answer EIO (managed IRQs:
/// per-queue NVMe/virtio/NIC vectors) or EPERM (seen on 6.18 for a virtio-blk MSI-X vector whose interrupt chip
/// cannot change affinity): they stay where they are, are skipped, counted in the log and listed as refused.</para>
/// </remarks>
internal sealed class IrqAffinityStep(CpuSet host, IHostFs planFs) : Step
{
    public const string KindName = "cpuIsolation.irqs";
    public const string IrqDir = "/proc/irq";
    public const string DefaultPath = "/proc/irq/default_smp_affinity";
    private const string DefaultKey = "default_smp_affinity";
    private const string IrqKeyPrefix = "irq.";

    public CpuSet Host { get; } = host;

    public override string Id => KindName;

    public override string Kind => KindName;

    public override string Summary => $"move IRQ affinity to CPUs {Host}";

    public override IReadOnlyList<string> Actions => Describe(verbose: false);

    public override IReadOnlyList<string> DetailedActions => Describe(verbose: true);

    public static string ListPath(int irq) => FormattableString.Invariant($"{IrqDir}/{irq}/smp_affinity_list");

    /// <summary>The IRQs the kernel lists with an affinity file, in ascending order.</summary>
    public static IReadOnlyList<int> Irqs(IHostFs fs) => fs.ListDirectory(IrqDir)
        .Select(n => int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var irq) ? irq : -1)
        .Where(irq => irq >= 0 && fs.Exists(ListPath(irq)))
        .Order()
        .ToList();

    public override void Apply(StepScope scope)
    {
        var fs = scope.Context.Fs;
        var others = scope.Context.OtherDomainsRecords(KindName);
        var target = IsolationShares.Target(others, Host);
        var irqs = Irqs(fs);
        var data = new Dictionary<string, string>
        {
            ["hostCpus"] = Host.ToString(),
            [DefaultKey] = IsolationShares.Original(others, DefaultKey, () => fs.ReadText(DefaultPath).Trim()),
        };
        foreach (var irq in irqs)
        {
            data[Key(irq)] = IsolationShares.Original(others, Key(irq), () => fs.ReadText(ListPath(irq)).Trim());
        }
        scope.Intent(data);
        fs.WriteText(DefaultPath, HexCpuMask.Format(target));
        var refused = new List<int>();
        foreach (var irq in irqs)
        {
            try
            {
                fs.WriteText(ListPath(irq), Narrowed(data[Key(irq)], target).ToString());
            }
            catch (HostIoException e) when (IsRefusal(e))
            {
                refused.Add(irq);
            }
        }
        scope.Context.Log.Information("Moved {Moved} of {Count} IRQs to CPUs {Target:l}; {Refused} refused by the kernel (managed IRQs): {RefusedList:l}",
            irqs.Count - refused.Count, irqs.Count, target.ToString(), refused.Count, IsolationShares.Ranges(refused));
        scope.Done(new Dictionary<string, string> { ["refused"] = string.Join(',', refused) });
    }

    /// <summary>
    /// Back to the values found before the first isolating domain, or, while others still isolate, to what they
    /// allow. IRQs the kernel refused are left alone; an IRQ gone since (device removed) is skipped.
    /// </summary>
    public static void Undo(StepRecord record, ExecContext context)
    {
        var fs = context.Fs;
        var remaining = IsolationShares.Remaining(context.OtherDomainsRecords(KindName));
        var refused = Refused(record);
        foreach (var (irq, original) in Originals(record))
        {
            var path = ListPath(irq);
            if (refused.Contains(irq) || !fs.Exists(path))
            {
                continue;
            }
            try
            {
                fs.WriteText(path, remaining is null ? original : Narrowed(original, remaining).ToString());
            }
            catch (HostIoException e) when (IsRefusal(e))
            {
                // An intent record (the hook died while moving) does not know which IRQs were refused: a managed
                // IRQ never moved, so it still shows its original value. Anything else is a real failure.
                if (fs.ReadText(path).Trim() != original)
                {
                    throw;
                }
            }
        }
        if (record.Data.TryGetValue(DefaultKey, out var defaultMask))
        {
            fs.WriteText(DefaultPath, remaining is null ? defaultMask : HexCpuMask.Format(remaining));
        }
    }

    public static IReadOnlyList<string> DescribeUndo(StepRecord record)
    {
        var originals = Originals(record).ToList();
        var refused = Refused(record);
        var moved = originals.Where(o => !refused.Contains(o.Irq)).ToList();
        return
        [
            $"write to smp_affinity_list of {moved.Count} IRQs ({IsolationShares.Ranges(moved.Select(o => o.Irq))}) what the remaining isolating domains allow, or, when none is left, the values found before ({Tally(moved.Select(o => o.Original))}); {refused.Count} refused at start left alone",
            $"write to {DefaultPath} what the remaining domains allow, or '{record.Data.GetValueOrDefault(DefaultKey, "")}' when none is left",
        ];
    }

    private static bool IsRefusal(HostIoException e) => e.Errno is Errno.EIO or Errno.EPERM;

    /// <summary>The part of the IRQ's own affinity that stays on the host; the whole host set when none does.</summary>
    private static CpuSet Narrowed(string original, CpuSet target) =>
        CpuSet.TryParse(original, out var own, out _) && own.Intersect(target) is { IsEmpty: false } kept ? kept : target;

    private static string Key(int irq) => IrqKeyPrefix + irq.ToString(CultureInfo.InvariantCulture);

    private static IEnumerable<(int Irq, string Original)> Originals(StepRecord record) => record.Data
        .Where(d => d.Key.StartsWith(IrqKeyPrefix, StringComparison.Ordinal))
        .Select(d => (Irq: int.Parse(d.Key[IrqKeyPrefix.Length..], CultureInfo.InvariantCulture), Original: d.Value))
        .OrderBy(o => o.Irq);

    private static HashSet<int> Refused(StepRecord record) => record.Data.GetValueOrDefault("refused", "")
        .Split(',', StringSplitOptions.RemoveEmptyEntries)
        .Select(n => int.Parse(n, CultureInfo.InvariantCulture))
        .ToHashSet();

    /// <summary>"0-1 ×19": each distinct value and how many IRQs have it.</summary>
    private static string Tally(IEnumerable<string> values) =>
        string.Join(", ", values.GroupBy(v => v).Select(g => $"{g.Key} ×{g.Count()}"));

    private List<string> Describe(bool verbose)
    {
        var irqs = Irqs(planFs);
        var now = irqs.Select(irq => (Irq: irq, Now: planFs.ReadText(ListPath(irq)).Trim())).ToList();
        var actions = new List<string>
        {
            $"write {HexCpuMask.Format(Host)} to {DefaultPath} (now {planFs.ReadText(DefaultPath).Trim()})",
        };
        if (verbose)
        {
            actions.AddRange(now.Select(n => $"write {Narrowed(n.Now, Host)} to {ListPath(n.Irq)} (now {n.Now})"));
        }
        else
        {
            var changes = now.GroupBy(n => (n.Now, New: Narrowed(n.Now, Host).ToString()))
                .Select(g => $"{g.Key.Now} → {g.Key.New} ×{g.Count()}");
            actions.Add($"write smp_affinity_list of {now.Count} IRQs ({IsolationShares.Ranges(irqs)}): {string.Join(", ", changes)} (--verbose lists each)");
        }
        actions.Add("IRQs the kernel will not move (managed: EIO, or EPERM) are skipped (counted in the log); other isolating domains narrow the set further; release restores each value found before");
        return actions;
    }
}
