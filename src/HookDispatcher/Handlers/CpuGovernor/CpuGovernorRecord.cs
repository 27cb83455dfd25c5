using HookDispatcher.Engine;
using HookDispatcher.Host;

namespace HookDispatcher.Handlers.CpuGovernor;

/// <summary>
/// The governor and EPP of the cpufreq policies a domain tuned (<see cref="CpuGovernorStep"/>): each policy gets its
/// own value back when its last holder goes.
/// </summary>
internal sealed class CpuGovernorRecord : IRecordKind
{
    public string Name => CpuGovernorHandler.KindName;

    public bool SharesHostState => true;

    public void Undo(StepRecord record, ExecContext context) => CpuGovernorStep.Undo(record, context);

    public IReadOnlyList<string> DescribeUndo(StepRecord record) => CpuGovernorStep.DescribeUndo(record);
}

/// <summary>
/// What a <see cref="CpuGovernorRecord"/> holds: the values the domain set, and each policy's governor and preference
/// as found before the first domain tuned it (keyed by policy, "policy0"; by CPU, "cpu4", in records from before
/// policies were known).
/// </summary>
internal sealed class CpuGovernorData : RecordData
{
    protected override string KindName => CpuGovernorHandler.KindName;

    public required string Governor { get; init; }

    /// <summary>The preference set; null when the rule sets none.</summary>
    public string? Epp { get; init; }

    /// <summary>The domain's CPUs, in list syntax.</summary>
    public required string Cpus { get; init; }

    public Dictionary<string, string> OriginalGovernors { get; init; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> OriginalEpps { get; init; } = new(StringComparer.Ordinal);

    public static CpuGovernorData FromLegacy(LegacyData data) => new()
    {
        Governor = data.Text("governor"),
        Epp = data.Optional("epp"),
        Cpus = data.Text("cpus"),
        OriginalGovernors = data.Prefixed("governor."),
        OriginalEpps = data.Prefixed("epp."),
    };
}
