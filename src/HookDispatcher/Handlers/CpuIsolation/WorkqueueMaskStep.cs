using HookDispatcher.Engine;
using HookDispatcher.Host;
using HookDispatcher.Values;

namespace HookDispatcher.Handlers.CpuIsolation;

/// <summary>
/// Confines unbound kernel workqueues to the host set: the global mask
/// (<c>/sys/devices/virtual/workqueue/cpumask</c>) and the writeback workqueue's own
/// (<c>/sys/devices/virtual/workqueue/writeback/cpumask</c>, also reached as /sys/bus/workqueue/devices/writeback;
/// on kernels without the global mask it is the only one). Both are hex masks; each previous value is journalled.
/// </summary>
/// <remarks>
/// Its own record kind (<see cref="KindName"/>), for the reasons given on <see cref="IrqAffinityStep"/>.
/// </remarks>
internal sealed class WorkqueueMaskStep(CpuSet host, IHostFs planFs) : Step
{
    public const string KindName = "cpuIsolation.workqueues";
    public const string GlobalMask = "/sys/devices/virtual/workqueue/cpumask";
    public const string WritebackMask = "/sys/devices/virtual/workqueue/writeback/cpumask";

    public CpuSet Host { get; } = host;

    public override string Id => KindName;

    public override string Kind => KindName;

    public override string Summary => $"confine unbound kernel workqueues to CPUs {Host}";

    public override IReadOnlyList<string> Actions => Files(planFs)
        .Select(f => $"write {HexCpuMask.Format(Host)} to {f} (now {planFs.ReadText(f).Trim()}; other isolating domains narrow it further)")
        .ToList();

    /// <summary>The workqueue masks this kernel has.</summary>
    public static IReadOnlyList<string> Files(IHostFs fs) => new[] { GlobalMask, WritebackMask }.Where(fs.Exists).ToList();

    public override void Apply(StepScope scope)
    {
        var fs = scope.Context.Fs;
        var others = scope.Context.OtherDomainsRecords(KindName);
        var target = IsolationShares.Target(others, Host);
        var files = Files(fs);
        var data = new WorkqueueMaskData { HostCpus = Host.ToString() };
        foreach (var file in files)
        {
            data.Originals[file] = IsolationShares.Original(others.Select(r => r.As<WorkqueueMaskData>().Originals.GetValueOrDefault(file)), () => fs.ReadText(file).Trim());
        }
        scope.Intent(data);
        foreach (var file in files)
        {
            fs.WriteText(file, HexCpuMask.Format(target));
        }
        scope.Done();
    }

    /// <summary>In reverse order: back to the values found before the first isolating domain, or to what the others allow.</summary>
    public static void Undo(StepRecord record, ExecContext context)
    {
        var remaining = IsolationShares.Remaining(context.OtherDomainsRecords(KindName));
        foreach (var (file, original) in Originals(record).Reverse())
        {
            context.Fs.WriteText(file, remaining is null ? original : HexCpuMask.Format(remaining));
        }
    }

    public static IReadOnlyList<string> DescribeUndo(StepRecord record) => Originals(record).Reverse()
        .Select(o => $"write to {o.File} what the remaining isolating domains allow, or '{o.Original}' when none is left")
        .ToList();

    private static IEnumerable<(string File, string Original)> Originals(StepRecord record) => record.As<WorkqueueMaskData>().Originals
        .Select(d => (File: d.Key, Original: d.Value))
        .OrderBy(o => o.File == GlobalMask ? 0 : 1);
}

/// <summary>What a workqueue record holds: the host set, and each mask file's value found before the first isolating domain (path → hex mask).</summary>
internal sealed class WorkqueueMaskData : RecordData, IHostCpusData
{
    protected override string KindName => WorkqueueMaskStep.KindName;

    public required string HostCpus { get; init; }

    public Dictionary<string, string> Originals { get; init; } = new(StringComparer.Ordinal);

    public static WorkqueueMaskData FromLegacy(LegacyData data) => new() { HostCpus = data.Text("hostCpus"), Originals = data.Prefixed("file:") };
}
