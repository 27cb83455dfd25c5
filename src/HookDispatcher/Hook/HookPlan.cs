using HookDispatcher.Domain;
using HookDispatcher.Engine;
using HookDispatcher.Rules;

namespace HookDispatcher.Hook;

/// <summary>Rules + domain XML + planner for one event; shared by the hook and the dry run.</summary>
internal sealed record HookPlan(RuleSet? Rules, DomainInfo? Domain, IReadOnlyList<Step> Steps, string? Error, int ErrorExitCode = ExitCodes.Invalid)
{
    public static HookPlan Build(Services services, HookEvent hookEvent, Func<Stream> domainXml)
    {
        if (!RuleLoader.IsValidDomainName(hookEvent.Domain, out var nameError))
        {
            return Failed(nameError);
        }
        var loaded = services.Rules.Load(services.Config.RulesDir, hookEvent.Domain);
        if (loaded.Errors.Count > 0)
        {
            var more = loaded.Errors.Count > 1 ? $" (and {loaded.Errors.Count - 1} more: run 'hookctl validate {hookEvent.Domain}')" : "";
            return Failed(loaded.Errors[0] + more);
        }
        if (loaded.Rules is not { } rules || hookEvent.Stage is not { } stage)
        {
            return new HookPlan(null, null, [], null);
        }
        DomainInfo domain;
        try
        {
            using var stream = domainXml();
            domain = DomainXmlReader.Read(stream, "domain XML");
        }
        catch (DomainXmlException e)
        {
            return Failed(e.Message);
        }
        if (domain.Name != hookEvent.Domain)
        {
            return Failed($"domain XML is for \"{domain.Name}\", not \"{hookEvent.Domain}\"");
        }
        try
        {
            return new HookPlan(rules, domain, services.Planner.Plan(new PlanContext(stage, rules, domain, services.Fs)), null);
        }
        catch (PlanException e)
        {
            return Failed(e.Message, e.HostFailure ? ExitCodes.ActionFailed : ExitCodes.Invalid);
        }
    }

    private static HookPlan Failed(string error, int exitCode = ExitCodes.Invalid) => new(null, null, [], error, exitCode);
}
