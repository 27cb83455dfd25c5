using HookDispatcher.Engine;
using HookDispatcher.Hook;
using HookDispatcher.Rules;

namespace HookDispatcher.Cli;

/// <summary>The dry run of <c>hookctl test</c> as <see cref="TestJson"/>, with the exit code the text form would have.</summary>
internal sealed record TestJsonReport(TestJson Json, int ExitCode)
{
    public static TestJsonReport Plan(Services services, HookEvent e, Func<Stream> source)
    {
        var plan = HookPlan.Build(services, e, source);
        var state = RuleLoader.IsValidDomainName(e.Domain, out _) ? services.Store.PathOf(e.Domain) : null;
        var json = new TestJson(e.Domain, e.Name, true, plan.Rules?.Sources ?? [], state, services.Fs.Root,
            plan.Steps.Select(s => new StepJson(s.Id, s.Kind, s.Summary, s.Actions)).ToList(), plan.Error);
        return new(json, plan.Error is null ? ExitCodes.Ok : plan.ErrorExitCode);
    }

    public static TestJsonReport Release(Services services, HookEvent e)
    {
        DomainState? state;
        try
        {
            state = services.Store.Load(e.Domain);
        }
        catch (StateException problem)
        {
            return new(new TestJson(e.Domain, e.Name, true, [], null, services.Fs.Root, [], problem.Message), ExitCodes.ActionFailed);
        }
        var steps = (state?.Steps ?? []).AsEnumerable().Reverse().Select(r => new StepJson(
            r.Id, r.Kind, $"undo {r.Id}",
            services.RecordKinds.Of(r) is { } kind ? kind.DescribeUndo(r) : [$"unknown kind '{r.Kind}'"],
            r.Status.ToString().ToLowerInvariant())).ToList();
        return new(new TestJson(e.Domain, e.Name, true, [], services.Store.PathOf(e.Domain), services.Fs.Root, steps), ExitCodes.Ok);
    }
}
