using HookDispatcher.Engine;
using HookDispatcher.Host;

namespace HookDispatcher.Handlers.Units;

/// <summary>
/// Units a domain holds stopped (<see cref="StopUnitsStep"/>, from services.stop and gpu.singleGpu.stopUnits): started
/// again at release, in reverse order, unless another domain still holds them stopped.
/// </summary>
internal sealed class StopUnitsRecord(ISystemd systemd) : IRecordKind
{
    public string Name => StopUnitsHandler.KindName;

    /// <remarks>
    /// Which units this domain starts is decided under the host lock and journalled there (the record narrowed to
    /// them, <see cref="ExecContext.LetGo"/>): of two domains holding one unit stopped and released at once, the
    /// second always sees that the first let go of it, so one of them starts it. The starts run outside the lock.
    /// An unreadable state file of another domain does not keep a unit stopped: a unit it may want stopped running
    /// again costs less than a display manager or a sync client left down for good (and a unit found stopped at
    /// prepare is recorded as not active, so it is never started by mistake).
    /// </remarks>
    public void Undo(StepRecord record, ExecContext context)
    {
        var stayStopped = new List<string>();
        var data = record.As<StopUnitsData>();
        context.LetGo(record, ledger =>
        {
            var others = ledger.HeldBesides(Name, context.Domain, record.Id).Select(h => h.Record).ToList();
            stayStopped = data.WereActive.Where(u => others.Any(r => Holds(r, u))).ToList();
            // What the record still holds is what it starts: a unit another domain holds too is that domain's to start.
            var toStart = data.WereActive.Except(stayStopped, StringComparer.Ordinal).ToList();
            data.Units = toStart;
            data.WereActive = [.. toStart];
            return true;
        });
        foreach (var unit in stayStopped)
        {
            context.Log.Information("{Unit:l} stays stopped: another running domain asked it stopped too and starts it when it is released", unit);
        }
        foreach (var unit in WereActive(record).Reverse())
        {
            if (!systemd.IsActive(unit))
            {
                systemd.StartUnit(unit);
            }
        }
    }

    public IReadOnlyList<string> DescribeUndo(StepRecord record) =>
        WereActive(record).Reverse().Select(u => $"StartUnit({u}) unless another running domain holds it stopped").ToList();

    public IReadOnlyList<string> DescribeHost(StepRecord record, IHostFs fs) =>
        [$"holds stopped: {string.Join(", ", Units(record))}; started again at release: {(WereActive(record).Count == 0 ? "none" : string.Join(", ", WereActive(record)))}"];

    /// <summary>Whether <paramref name="record"/> holds <paramref name="unit"/> stopped (it asked for it).</summary>
    public static bool Holds(StepRecord record, string unit) => Units(record).Contains(unit, StringComparer.Ordinal);

    /// <summary>Every unit the record asked stopped.</summary>
    public static IReadOnlyList<string> Units(StepRecord record) => record.As<StopUnitsData>().Units;

    /// <summary>The units that were active before the first holder stopped them.</summary>
    public static IReadOnlyList<string> WereActive(StepRecord record) => record.As<StopUnitsData>().WereActive;
}

/// <summary>
/// What a <see cref="StopUnitsRecord"/> holds: every unit the domain asked stopped (what it holds stopped), and those
/// that were active before the first holder stopped them (what its release starts again).
/// </summary>
internal sealed class StopUnitsData : RecordData
{
    protected override string KindName => StopUnitsHandler.KindName;

    public required List<string> Units { get; set; }

    public required List<string> WereActive { get; set; }

    public static StopUnitsData FromLegacy(LegacyData data) => new() { Units = data.List("units"), WereActive = data.List("wereActive") };
}
