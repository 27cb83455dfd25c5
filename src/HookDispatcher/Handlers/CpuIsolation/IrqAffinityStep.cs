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
        var theirs = others.Select(r => r.As<IrqAffinityData>()).ToList();
        var data = new IrqAffinityData
        {
            HostCpus = Host.ToString(),
            DefaultAffinity = IsolationShares.Original(theirs.Select(d => d.DefaultAffinity), () => fs.ReadText(DefaultPath).Trim()),
        };
        foreach (var irq in irqs)
        {
            data.Originals[irq] = IsolationShares.Original(theirs.Select(d => d.Originals.GetValueOrDefault(irq)), () => fs.ReadText(ListPath(irq)).Trim());
            data.Handlers[irq] = Identity(fs, irq);
        }
        scope.Intent(data);
        fs.WriteText(DefaultPath, HexCpuMask.Format(target));
        var refused = new List<int>();
        foreach (var irq in irqs)
        {
            try
            {
                fs.WriteText(ListPath(irq), Narrowed(data.Originals[irq], target).ToString());
            }
            catch (HostIoException e) when (IsRefusal(e))
            {
                refused.Add(irq);
            }
        }
        scope.Context.Log.Information("Moved {Moved} of {Count} IRQs to CPUs {Target:l}; {Refused} refused by the kernel (managed IRQs): {RefusedList:l}",
            irqs.Count - refused.Count, irqs.Count, target.ToString(), refused.Count, IsolationShares.Ranges(refused));
        data.Refused = refused;
        scope.Done();
    }

    /// <summary>
    /// Back to the values found before the first isolating domain, or, while others still isolate, to what they
    /// allow. IRQs the kernel refused are left alone; an IRQ gone since (device removed) is skipped. An IRQ that
    /// appeared while the VM ran (a hot-plugged device, a VF) got the narrowed default mask from the kernel, and so
    /// did a number reused by another device (its handlers differ from the ones recorded): each gets the default
    /// mask that was in force before the first isolating domain, or what the remaining ones allow.
    /// </summary>
    public static void Undo(StepRecord record, ExecContext context)
    {
        var fs = context.Fs;
        var remaining = IsolationShares.Remaining(context.OtherDomainsRecords(KindName));
        var refused = Refused(record);
        var known = new HashSet<int>();
        foreach (var (irq, original) in Originals(record))
        {
            var path = ListPath(irq);
            if (!fs.Exists(path) || !SameDevice(record, fs, irq))
            {
                continue;
            }
            known.Add(irq);
            if (refused.Contains(irq))
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
        if (record.As<IrqAffinityData>().DefaultAffinity is { } defaultMask)
        {
            // The intent lists every IRQ there was before the first write, so an interrupted record knows them too.
            if (HexCpuMask.TryParse(defaultMask, out var defaultCpus))
            {
                foreach (var irq in Irqs(fs).Where(i => !known.Contains(i)))
                {
                    TryWrite(fs, irq, (remaining ?? defaultCpus).ToString());
                }
            }
            fs.WriteText(DefaultPath, remaining is null ? defaultMask : HexCpuMask.Format(remaining));
        }
    }

    /// <summary>
    /// reconnect: IRQs that appeared since the start (or were re-assigned to another device) are moved off the
    /// VM's CPUs as the others were, and a default mask changed meanwhile is set back; recorded IRQs are left as
    /// they are (one moved by hand or by irqbalance is the user's choice).
    /// </summary>
    public static IReadOnlyList<Finding> Reconcile(StepRecord record, ExecContext context)
    {
        if (record.Status != StepStatus.Done || !CpuSet.TryParse(record.As<IrqAffinityData>().HostCpus, out var host, out _))
        {
            return [];
        }
        var fs = context.Fs;
        var target = IsolationShares.Target(context.OtherDomainsRecords(KindName), host);
        var recorded = Originals(record).Select(o => o.Irq).Where(irq => fs.Exists(ListPath(irq)) && SameDevice(record, fs, irq)).ToHashSet();
        var moved = new List<int>();
        foreach (var irq in Irqs(fs).Where(i => !recorded.Contains(i)))
        {
            var now = fs.ReadText(ListPath(irq)).Trim();
            var narrowed = Narrowed(now, target).ToString();
            if (now != narrowed && TryWrite(fs, irq, narrowed))
            {
                moved.Add(irq);
            }
        }
        var findings = new List<Finding>();
        if (moved.Count > 0)
        {
            findings.Add(Finding.Repaired($"{moved.Count} IRQ(s) that appeared since the start ({IsolationShares.Ranges(moved)}) moved to CPUs {target}"));
        }
        var mask = HexCpuMask.Format(target);
        var defaultNow = fs.ReadText(DefaultPath).Trim();
        if (defaultNow != mask)
        {
            fs.WriteText(DefaultPath, mask);
            findings.Add(Finding.Repaired($"{DefaultPath} was {defaultNow}, set back to {mask}"));
        }
        return findings.Count > 0 ? findings : [Finding.Ok($"IRQ affinity off the VM's CPUs (host CPUs {target})")];
    }

    /// <summary>Writes an IRQ's affinity; false when the kernel will not move it (managed).</summary>
    private static bool TryWrite(IHostFs fs, int irq, string cpus)
    {
        try
        {
            fs.WriteText(ListPath(irq), cpus);
            return true;
        }
        catch (HostIoException e) when (IsRefusal(e))
        {
            return false;
        }
    }

    /// <summary>
    /// Who the IRQ belongs to: the handler directories the kernel lists under /proc/irq/N (named after each
    /// request_irq() action, e.g. "nvme0q1", "ahci[0000:00:1f.2]"), so a number reused by another device is told
    /// from the one recorded.
    /// </summary>
    private static string Identity(IHostFs fs, int irq) => string.Join('|', fs
        .ListDirectory(FormattableString.Invariant($"{IrqDir}/{irq}"))
        .Where(name => !KernelFiles.Contains(name))
        .Order(StringComparer.Ordinal));

    private static bool SameDevice(StepRecord record, IHostFs fs, int irq) =>
        !record.As<IrqAffinityData>().Handlers.TryGetValue(irq, out var id) || id == Identity(fs, irq);

    /// <summary>The attribute files of /proc/irq/N itself (kernel/irq/proc.c); everything else is a handler's directory.</summary>
    private static readonly HashSet<string> KernelFiles = new(StringComparer.Ordinal)
    {
        "smp_affinity", "smp_affinity_list", "affinity_hint", "effective_affinity", "effective_affinity_list", "node", "spurious",
    };

    public static IReadOnlyList<string> DescribeUndo(StepRecord record)
    {
        var originals = Originals(record).ToList();
        var refused = Refused(record);
        var moved = originals.Where(o => !refused.Contains(o.Irq)).ToList();
        return
        [
            $"write to smp_affinity_list of {moved.Count} IRQs ({IsolationShares.Ranges(moved.Select(o => o.Irq))}) what the remaining isolating domains allow, or, when none is left, the values found before ({Tally(moved.Select(o => o.Original))}); {refused.Count} refused at start left alone",
            $"write to {DefaultPath} what the remaining domains allow, or '{record.As<IrqAffinityData>().DefaultAffinity}' when none is left",
        ];
    }

    private static bool IsRefusal(HostIoException e) => e.Errno is Errno.EIO or Errno.EPERM;

    /// <summary>The part of the IRQ's own affinity that stays on the host; the whole host set when none does.</summary>
    private static CpuSet Narrowed(string original, CpuSet target) =>
        CpuSet.TryParse(original, out var own, out _) && own.Intersect(target) is { IsEmpty: false } kept ? kept : target;

    private static IEnumerable<(int Irq, string Original)> Originals(StepRecord record) => record.As<IrqAffinityData>().Originals
        .Select(d => (Irq: d.Key, Original: d.Value))
        .OrderBy(o => o.Irq);

    private static HashSet<int> Refused(StepRecord record) => [.. record.As<IrqAffinityData>().Refused];

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
        actions.Add("IRQs the kernel will not move (managed: EIO, or EPERM) are skipped (counted in the log); other isolating domains narrow the set further; release restores each value found before, and gives IRQs that appear meanwhile the default mask found before");
        return actions;
    }
}

/// <summary>
/// What an IRQ-affinity record holds: the host set; the default mask and each IRQ's affinity as found before the
/// first isolating domain; the handlers each IRQ had (to tell a number reused by another device); the IRQs the
/// kernel refused to move (known once the step is done).
/// </summary>
internal sealed class IrqAffinityData : RecordData, IHostCpusData
{
    protected override string KindName => IrqAffinityStep.KindName;

    public required string HostCpus { get; init; }

    /// <summary>/proc/irq/default_smp_affinity as found (a hex mask).</summary>
    public string? DefaultAffinity { get; init; }

    /// <summary>IRQ → its smp_affinity_list as found.</summary>
    public Dictionary<int, string> Originals { get; init; } = [];

    /// <summary>IRQ → its handlers' names, "|"-separated, as the kernel listed them ("" for none).</summary>
    public Dictionary<int, string> Handlers { get; init; } = [];

    public List<int> Refused { get; set; } = [];

    public static IrqAffinityData FromLegacy(LegacyData data) => new()
    {
        HostCpus = data.Text("hostCpus"),
        DefaultAffinity = data.Has("default_smp_affinity") ? data.Text("default_smp_affinity") : null,
        Originals = Numbered(data, "irq."),
        Handlers = Numbered(data, "id."),
        Refused = [.. data.List("refused").Select(n => Number(data, n))],
    };

    private static Dictionary<int, string> Numbered(LegacyData data, string prefix) =>
        data.Prefixed(prefix).ToDictionary(d => Number(data, d.Key), d => d.Value);

    private static int Number(LegacyData data, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var irq) ? irq : throw new InvalidDataException($"state record '{data.Id}': bad IRQ number '{text}'");
}
