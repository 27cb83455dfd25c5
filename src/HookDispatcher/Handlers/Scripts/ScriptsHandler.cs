using System.Globalization;
using HookDispatcher.Engine;
using HookDispatcher.Rules;
using Serilog;

namespace HookDispatcher.Handlers.Scripts;

/// <summary>
/// The user's own commands (<c>scripts</c>) and VFIO-Tools trees (<c>scriptsDir</c>). Registered after the built-in
/// handlers, so an event's scripts run after its built-in steps and, the executor undoing records in reverse order,
/// their undo commands run at release before the built-in undo.
/// </summary>
/// <remarks>
/// Order within one event: at prepare first the release-only entries (recorded, in reverse so that release runs them
/// in file order after every undo command), then the entries of the event in file order, then the tree's
/// <c>release/end/</c> record and the tree's scripts of the event in lexical order.
/// </remarks>
internal sealed class ScriptsHandler(ScriptRunner runner) : IHandler
{
    public const string KindName = "scripts";
    public const string TreeKindName = "scriptsDir";
    public const int TreeTimeoutSeconds = ScriptRuleBinder.DefaultTimeoutSeconds;

    public const string ScriptType = "script";
    public const string ReleaseType = "release";
    public const string TreeType = "tree";
    public const string TreeReleaseType = "treeRelease";

    public string Kind => KindName;

    public IReadOnlyList<IRecordKind> RecordKinds { get; } = ScriptRecords.All(runner);

    public IEnumerable<Step> Plan(PlanContext context)
    {
        var domain = context.Domain.Name;
        var rules = context.Rules;
        var steps = new List<Step>();
        if (context.Stage == Stage.Prepare)
        {
            foreach (var entry in rules.Scripts.Where(s => s.At == ScriptAt.Release).Reverse())
            {
                steps.Add(ReleaseScriptStep.Entry(entry.Name, ScriptCommand.WithDomain(entry.Run, domain), entry.TimeoutSeconds));
            }
        }
        var at = context.Stage switch
        {
            Stage.Prepare => ScriptAt.Prepare,
            Stage.Start => ScriptAt.Start,
            _ => ScriptAt.Started,
        };
        foreach (var entry in rules.Scripts.Where(s => s.At == at))
        {
            var undo = entry.Undo is null ? null : ScriptCommand.WithDomain(entry.Undo, domain);
            steps.Add(new ScriptStep(runner, entry.Name, ScriptCommand.WithDomain(entry.Run, domain), undo, entry.TimeoutSeconds));
        }
        if (rules.ScriptsDir is { } dir)
        {
            try
            {
                steps.AddRange(PlanTree(dir, domain, context.Stage));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new PlanException(TreeKindName, $"cannot list '{dir}': {e.Message}", hostFailure: true);
            }
        }
        return steps;
    }

    private List<Step> PlanTree(string dir, string domain, Stage stage)
    {
        var steps = new List<Step>();
        if (stage == Stage.Prepare)
        {
            steps.Add(ReleaseScriptStep.Tree(dir, ScriptRuleBinder.EventScripts(dir, "release", "end")));
        }
        // libvirt passes "-" as the extra argument of every begin event.
        var operation = stage.ToString().ToLowerInvariant();
        foreach (var file in ScriptRuleBinder.EventScripts(dir, operation, "begin"))
        {
            steps.Add(new TreeScriptStep(runner, dir, file, [file, domain, operation, "begin", "-"]));
        }
        return steps;
    }

    /// <summary>
    /// The domain stopped: each VFIO-Tools tree it holds (recorded at prepare) runs its <c>stopped/end/</c> scripts.
    /// libvirt ignores the hook's status at this event, so failures are logged, never thrown.
    /// </summary>
    public void RunTreeEvent(DomainState? state, string operation, string subOperation, ILogger log)
    {
        var dirs = state?.Steps
            .Where(r => r.Kind == ScriptRecords.TreeRelease)
            .Select(r => r.As<TreeReleaseData>().Dir) ?? [];
        foreach (var dir in dirs)
        {
            ScriptRecords.RunTree(runner, dir, state!.Domain, operation, subOperation, log);
        }
    }
}
