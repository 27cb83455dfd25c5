using HookDispatcher.Engine;
using HookDispatcher.Host;

namespace HookDispatcher.Handlers.CpuIsolation;

/// <summary>
/// The AllowedCPUs a domain confined host units to (<see cref="CpuIsolationStep"/>): the units get what the remaining
/// isolating domains allow, or the values found before the first of them.
/// </summary>
internal sealed class CpuIsolationRecord(ISystemd systemd) : IRecordKind
{
    public string Name => CpuIsolationHandler.KindName;

    public bool SharesHostState => true;

    public void Undo(StepRecord record, ExecContext context)
    {
        var units = CpuIsolationHandler.Units(record);
        var others = context.OtherDomainsRecords(Name);
        foreach (var unit in units)
        {
            var holding = CpuIsolationHandler.Sharing(others, unit);
            var target = holding.Count == 0 ? CpuIsolationHandler.Original(record, unit) : CpuIsolationHandler.Intersection(holding);
            systemd.SetAllowedCpus(unit, target);
        }
    }

    /// <summary>Each unit must allow what every isolating domain together allows; anything else is put back.</summary>
    public IReadOnlyList<Finding> Reconcile(StepRecord record, ExecContext context)
    {
        var isolating = context.Ledger.Domains.SelectMany(d => d.Steps)
            .Where(r => r.Kind == Name && r.Status == StepStatus.Done).ToList();
        var findings = new List<Finding>();
        foreach (var unit in CpuIsolationHandler.Units(record))
        {
            var expected = CpuIsolationHandler.Intersection(CpuIsolationHandler.Sharing(isolating, unit));
            var current = systemd.GetAllowedCpus(unit);
            if (Equals(current, expected))
            {
                findings.Add(Finding.Ok($"AllowedCPUs of {unit} is {expected}"));
                continue;
            }
            systemd.SetAllowedCpus(unit, expected);
            findings.Add(Finding.Repaired($"AllowedCPUs of {unit} was {current?.ToString() ?? "unset"}, set back to {expected}"));
        }
        return findings;
    }

    public IReadOnlyList<string> DescribeUndo(StepRecord record) =>
        CpuIsolationHandler.Units(record).Select(u => $"set AllowedCPUs of {u} to what the remaining domains allow, or back to '{record.As<CpuIsolationData>().Originals.GetValueOrDefault(u, "")}' (unset if empty) when none is left").ToList();
}

/// <summary>
/// What a <see cref="CpuIsolationRecord"/> holds: the units confined, the host set, and each unit's AllowedCPUs as
/// found before the first isolating domain ("" when it was unset).
/// </summary>
internal sealed class CpuIsolationData : RecordData, IHostCpusData
{
    protected override string KindName => CpuIsolationHandler.KindName;

    public required List<string> Units { get; init; }

    public required string HostCpus { get; init; }

    public Dictionary<string, string> Originals { get; init; } = new(StringComparer.Ordinal);

    public static CpuIsolationData FromLegacy(LegacyData data) => new()
    {
        Units = data.List("units"),
        HostCpus = data.Text("hostCpus"),
        Originals = data.Prefixed("original."),
    };
}
