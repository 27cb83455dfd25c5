using HookDispatcher.Hook;
using HookDispatcher.Rules;

namespace HookDispatcher.Doctor;

/// <summary>Runs every doctor check, in order host → install → domains. Read-only: nothing here writes or calls D-Bus.</summary>
internal static class Preflight
{
    public static DoctorReport Run(Services services, string configPath, IReadOnlyList<string> domains, string? xmlFile, string? binary)
    {
        var fs = services.Fs;
        var rulesDir = services.Config.RulesDir;
        var ruleDomains = RuleDomains.In(rulesDir);
        var checks = new List<DoctorCheck>();
        checks.AddRange(HostChecks.Run(fs, services.Config));
        checks.AddRange(InstallChecks.Run(fs, configPath, rulesDir, services.Rules, ruleDomains, binary));
        foreach (var domain in domains.Count > 0 ? domains : ruleDomains)
        {
            var loaded = services.Rules.Load(rulesDir, domain);
            checks.AddRange(DomainChecks.Run(fs, domain, loaded.Rules, xmlFile));
        }
        return new DoctorReport(checks);
    }
}
