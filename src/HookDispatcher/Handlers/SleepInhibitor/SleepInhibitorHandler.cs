using System.Security.Cryptography;
using System.Text;
using HookDispatcher.Engine;
using HookDispatcher.Host;
using HookDispatcher.Host.Systemd;

namespace HookDispatcher.Handlers.SleepInhibitor;

/// <summary>
/// Keeps the host awake while the VM runs. logind's Inhibit lock lives as long as its file descriptor, and the
/// hook exits at once, so the descriptor is held by a transient service (<c>hookctl inhibit-hold</c>) that
/// systemd starts at prepare and stops at release.
/// </summary>
internal sealed class SleepInhibitorHandler(ISystemd systemd, string binaryPath, string busAddress, TimeSpan wait) : IHandler
{
    public const string KindName = "sleepInhibitor";

    /// <summary>What holders before per-domain names called themselves (their records may still be running).</summary>
    public const string LegacyWho = "hookdispatcher";

    /// <summary>
    /// The "who" of the domain's lock: logind lists it with what and why, and two domains may well share a why
    /// ("a VM is running"), so the domain is in the who; that is how each finds its own lock and not another's.
    /// </summary>
    public static string Who(string domain) => $"{LegacyWho}:{domain}";

    public string Kind => KindName;

    public IEnumerable<Step> Plan(PlanContext context)
    {
        var rule = context.Rules.SleepInhibitor;
        if (rule is null || rule.At != context.Stage)
        {
            return [];
        }
        var why = rule.Why.Replace("{domain}", context.Domain.Name, StringComparison.Ordinal);
        return [new SleepInhibitorStep(this, context.Domain.Name, UnitName(context.Domain.Name), rule.What, why, Argv(rule.What, why, context.Domain.Name))];
    }

    /// <summary>A holder that died (killed, OOM, logind restarted) is started again; a listed inhibitor is left alone.</summary>
    public IReadOnlyList<Finding> Reconcile(StepRecord record, ExecContext context)
    {
        var (unit, what, why) = (record.Get("unit"), record.Get("what"), record.Get("why"));
        if (Holds(context.Domain, why))
        {
            return [Finding.Ok($"logind lists the '{what}' inhibitor")];
        }
        Start(unit, why, Argv(what, why, context.Domain), context.Domain);
        return [Finding.Repaired($"logind no longer listed the '{what}' inhibitor; {unit} started again and holds it")];
    }

    private string[] Argv(string what, string why, string domain) =>
        [binaryPath, "inhibit-hold", "--bus", busAddress, "--what", what, "--why", why, "--", domain];

    public void Undo(StepRecord record, ExecContext context)
    {
        var why = record.Get("why");
        // Whether the holder runs, died (the unit failed) or is gone: stopped, then forgotten.
        systemd.StopUnit(record.Get("unit"));
        systemd.ResetFailedUnit(record.Get("unit"));
        if (!Poll(() => !Holds(context.Domain, why)))
        {
            context.Log.Warning("The inhibitor {Why:l} is still listed after stopping {Unit:l}", why, record.Get("unit"));
        }
    }

    public IReadOnlyList<string> DescribeUndo(StepRecord record) =>
        [$"StopUnit({record.Get("unit")}) and wait until logind no longer lists the '{record.Get("what")}' inhibitor"];

    /// <summary>hookdispatcher-inhibit-&lt;escaped domain&gt;.service, hashed when the escaped name is too long.</summary>
    public static string UnitName(string domain)
    {
        var name = $"hookdispatcher-inhibit-{SystemdEscape.UnitNamePart(domain)}.service";
        if (name.Length <= SystemdEscape.MaxUnitNameLength)
        {
            return name;
        }
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(domain)))[..16];
        return $"hookdispatcher-inhibit-{hash}.service";
    }

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
            throw new TimeoutException($"{unit} started but logind does not list its inhibitor (who={Who(domain)}, why='{why}') after {wait.TotalSeconds:0.#} s");
        }
    }

    internal IReadOnlyList<Inhibitor> Current() => systemd.ListInhibitors();

    /// <param name="legacy">Whether a lock of a holder started before per-domain names counts (for records it wrote).</param>
    private bool Holds(string domain, string why, bool legacy = true) =>
        systemd.ListInhibitors().Any(i => i.Why == why && (i.Who == Who(domain) || (legacy && i.Who == LegacyWho)));

    private bool Poll(Func<bool> condition) => Host.Poll.Until(condition, wait, TimeSpan.FromMilliseconds(20));
}
