using HookDispatcher.Engine;
using HookDispatcher.Host;
using HookDispatcher.Rules;

namespace HookDispatcher.Handlers.Units;

/// <summary>
/// Plans the <c>services</c> section: one <see cref="StopUnitsStep"/> (its records are <see cref="StopUnitsRecord"/>s,
/// shared with gpu.singleGpu.stopUnits). Its steps wait for systemd jobs, so they run outside the host lock (only
/// the claim is under it).
/// </summary>
internal sealed class StopUnitsHandler(ISystemd systemd) : IHandler
{
    public const string KindName = "stopUnits";

    public string Kind => KindName;

    public IReadOnlyList<IRecordKind> RecordKinds { get; } = [new StopUnitsRecord(systemd)];

    public IEnumerable<Step> Plan(PlanContext context) =>
        context.Rules.Services is { } rule && rule.At == context.Stage
            ? [new StopUnitsStep(systemd, "services.stop", rule.Stop)]
            : [];
}
