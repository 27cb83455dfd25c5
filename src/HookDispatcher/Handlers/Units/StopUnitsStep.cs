using HookDispatcher.Engine;
using HookDispatcher.Host;

namespace HookDispatcher.Handlers.Units;

/// <summary>
/// Stops systemd units for the VM's lifetime and starts again at release exactly those it stopped. Planned by the
/// <c>services</c> section (sync clients, media servers, an nvidia-persistenced holding the GPU) and by the gpu
/// handler's singleGpu.stopUnits (the display manager); both are one record kind, so two domains that ask the same
/// unit stopped share it: each unit's "was active" is the value found before the first of them stopped it
/// (carried over from the earliest other holder), and only the last one to release starts it again.
/// </summary>
/// <remarks>
/// Record data: <see cref="StopUnitsData"/>. The claim is journalled under the host lock; the stop jobs run outside it.
/// </remarks>
internal sealed class StopUnitsStep(ISystemd systemd, string id, IReadOnlyList<string> units) : Step
{
    public override string Id => id;

    public override string Kind => StopUnitsHandler.KindName;

    public override string Summary => $"stop {string.Join(", ", units)}";

    public override IReadOnlyList<string> Actions =>
        units.Select(u => $"StopUnit({u}, \"replace\") if active and wait for the job; StartUnit again at release if it was active and no other running domain asked it stopped").ToList();

    public override void Apply(StepScope scope)
    {
        // Asked of systemd before the host lock is taken (a D-Bus round trip each), once no other domain is starting
        // one of these units; the claim itself is quick.
        List<string> activeNow = [];
        scope.ClaimAfterReleases(r => units.Any(u => StopUnitsRecord.Holds(r, u)), () => activeNow = units.Where(systemd.IsActive).ToList(), context =>
        {
            var others = context.Ledger.HeldBesides(Kind, context.Domain, Id).Select(h => h.Record).ToList();
            // Active now, or stopped by an earlier holder that found it active: then this domain owes it a start too.
            var wereActive = units.Where(u => activeNow.Contains(u) || others.Any(r => StopUnitsRecord.Holds(r, u) && StopUnitsRecord.WereActive(r).Contains(u)));
            return new StopUnitsData { Units = [.. units], WereActive = [.. wereActive] };
        });
        foreach (var unit in activeNow)
        {
            systemd.StopUnit(unit);
        }
        scope.Done();
    }
}
