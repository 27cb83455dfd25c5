using HookDispatcher.Engine;
using HookDispatcher.Host;
using HookDispatcher.Host.Systemd;

namespace HookDispatcher.Handlers.SleepInhibitor;

/// <summary>
/// A domain's sleep inhibitor, held by a transient service (<see cref="SleepInhibitorStep"/>): stopped at release,
/// started again at reconnect when its holder died.
/// </summary>
internal sealed class SleepInhibitorRecord(ISystemd systemd, string binaryPath, string busAddress, TimeSpan wait) : IRecordKind
{
    public string Name => SleepInhibitorHandler.KindName;

    /// <summary>A holder that died (killed, OOM, logind restarted) is started again; a listed inhibitor is left alone.</summary>
    public IReadOnlyList<Finding> Reconcile(StepRecord record, ExecContext context)
    {
        var (unit, what, why) = record.As<SleepInhibitorData>();
        if (Holds(context.Domain, why))
        {
            return [Finding.Ok($"logind lists the '{what}' inhibitor")];
        }
        Start(unit, why, Argv(what, why, context.Domain), context.Domain);
        return [Finding.Repaired($"logind no longer listed the '{what}' inhibitor; {unit} started again and holds it")];
    }

    internal string[] Argv(string what, string why, string domain) =>
        [binaryPath, "inhibit-hold", "--bus", busAddress, "--what", what, "--why", why, "--", domain];

    public void Undo(StepRecord record, ExecContext context)
    {
        var (unit, _, why) = record.As<SleepInhibitorData>();
        // Whether the holder runs, died (the unit failed) or is gone: stopped, then forgotten.
        systemd.StopUnit(unit);
        systemd.ResetFailedUnit(unit);
        if (!Poll(() => !Holds(context.Domain, why)))
        {
            context.Log.Warning("The inhibitor {Why:l} is still listed after stopping {Unit:l}", why, unit);
        }
    }

    public IReadOnlyList<string> DescribeUndo(StepRecord record) =>
        record.As<SleepInhibitorData>() is var (unit, what, _) ? [$"StopUnit({unit}) and wait until logind no longer lists the '{what}' inhibitor"] : [];

    internal void Start(string unit, string why, IReadOnlyList<string> argv, string domain)
    {
        // A unit left by a crash (libvirt never sent release) is replaced, not duplicated; one whose holder died
        // (killed, OOM, logind restarted) may linger as failed, which would refuse the start with UnitExists.
        if (systemd.IsActive(unit))
        {
            systemd.StopUnit(unit);
        }
        systemd.ResetFailedUnit(unit);
        systemd.StartTransientService(unit, $"HookDispatcher sleep inhibitor for libvirt domain {domain}", argv);
        if (!Poll(() => Holds(domain, why, legacy: false)))
        {
            throw new TimeoutException($"{unit} started but logind does not list its inhibitor (who={SleepInhibitorHandler.Who(domain)}, why='{why}') after {wait.TotalSeconds:0.#} s");
        }
    }

    /// <param name="legacy">Whether a lock of a holder started before per-domain names counts (for records it wrote).</param>
    private bool Holds(string domain, string why, bool legacy = true) =>
        systemd.ListInhibitors().Any(i => i.Why == why && (i.Who == SleepInhibitorHandler.Who(domain) || (legacy && i.Who == SleepInhibitorHandler.LegacyWho)));

    private bool Poll(Func<bool> condition) => Host.Poll.Until(condition, wait, TimeSpan.FromMilliseconds(20));
}

/// <summary>What a <see cref="SleepInhibitorRecord"/> holds: the transient unit that holds the lock, and the lock's what and why.</summary>
internal sealed class SleepInhibitorData : RecordData
{
    protected override string KindName => SleepInhibitorHandler.KindName;

    public required string Unit { get; init; }

    public required string What { get; init; }

    public required string Why { get; init; }

    public void Deconstruct(out string unit, out string what, out string why) => (unit, what, why) = (Unit, What, Why);

    public static SleepInhibitorData FromLegacy(LegacyData data) =>
        new() { Unit = data.Text("unit"), What = data.Text("what"), Why = data.Text("why") };
}
