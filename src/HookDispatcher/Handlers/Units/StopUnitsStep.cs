using HookDispatcher.Engine;
using HookDispatcher.Host;

namespace HookDispatcher.Handlers.Units;

/// <summary>
/// Stops systemd units for the VM's lifetime (single-GPU handover stops the display manager) and starts again at
/// release exactly those that were running. Used by the gpu handler's singleGpu section.
/// </summary>
internal sealed class StopUnitsStep(ISystemd systemd, string id, IReadOnlyList<string> units) : Step
{
    public override string Id => id;

    public override string Kind => StopUnitsHandler.KindName;

    public override string Summary => $"stop {string.Join(", ", units)}";

    public override IReadOnlyList<string> Actions =>
        units.Select(u => $"StopUnit({u}, \"replace\") and wait for the job; StartUnit again at release if it was active").ToList();

    public override void Apply(StepScope scope)
    {
        var active = units.Where(systemd.IsActive).ToList();
        scope.Intent(new Dictionary<string, string> { ["units"] = string.Join(',', units), ["wereActive"] = string.Join(',', active) });
        foreach (var unit in active)
        {
            systemd.StopUnit(unit);
        }
        scope.Done();
    }
}

/// <summary>Undoes <see cref="StopUnitsStep"/>: starts the units that were active, in reverse order.</summary>
internal sealed class StopUnitsHandler(ISystemd systemd) : IHandler
{
    public const string KindName = "stopUnits";

    public string Kind => KindName;

    /// <summary>Planned by the handler that owns the rule (gpu.singleGpu.stopUnits), not from a section of its own.</summary>
    public IEnumerable<Step> Plan(PlanContext context) => [];

    public void Undo(StepRecord record, ExecContext context)
    {
        foreach (var unit in WereActive(record).Reverse())
        {
            if (!systemd.IsActive(unit))
            {
                systemd.StartUnit(unit);
            }
        }
    }

    public IReadOnlyList<string> DescribeUndo(StepRecord record) => WereActive(record).Reverse().Select(u => $"StartUnit({u})").ToList();

    private static IEnumerable<string> WereActive(StepRecord record) =>
        record.Data.GetValueOrDefault("wereActive", "").Split(',', StringSplitOptions.RemoveEmptyEntries);
}
