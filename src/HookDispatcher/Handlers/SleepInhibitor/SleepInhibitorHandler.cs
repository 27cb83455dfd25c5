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
    private readonly SleepInhibitorRecord _record = new(systemd, binaryPath, busAddress, wait);

    public const string KindName = "sleepInhibitor";

    /// <summary>What holders before per-domain names called themselves (their records may still be running).</summary>
    public const string LegacyWho = "hookdispatcher";

    /// <summary>
    /// The "who" of the domain's lock: logind lists it with what and why, and two domains may well share a why
    /// ("a VM is running"), so the domain is in the who; that is how each finds its own lock and not another's.
    /// </summary>
    public static string Who(string domain) => $"{LegacyWho}:{domain}";

    public string Kind => KindName;

    public IReadOnlyList<IRecordKind> RecordKinds => [_record];

    public IEnumerable<Step> Plan(PlanContext context)
    {
        var rule = context.Rules.SleepInhibitor;
        if (rule is null || rule.At != context.Stage)
        {
            return [];
        }
        var why = rule.Why.Replace("{domain}", context.Domain.Name, StringComparison.Ordinal);
        return [new SleepInhibitorStep(_record, context.Domain.Name, UnitName(context.Domain.Name), rule.What, why, _record.Argv(rule.What, why, context.Domain.Name))];
    }

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
}
