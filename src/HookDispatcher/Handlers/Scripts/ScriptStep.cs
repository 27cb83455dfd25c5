using HookDispatcher.Engine;

namespace HookDispatcher.Handlers.Scripts;

/// <summary>
/// One <c>scripts</c> entry at its apply event. The intent (with the undo command) is journalled before the command
/// starts, so a failure, a timeout or a crash of the hook still leads to its undo.
/// </summary>
internal sealed class ScriptStep(ScriptRunner runner, string name, IReadOnlyList<string> run, IReadOnlyList<string>? undo, int timeoutSeconds) : Step
{
    public override string Id => ScriptsHandler.KindName + ":" + name;

    public override string Kind => ScriptRecords.Script;

    public override string Summary => $"run {ScriptCommand.Show(run)}";

    public override IReadOnlyList<string> Actions =>
    [
        $"run {ScriptCommand.Show(run)} (time limit {timeoutSeconds} s; stdin at EOF; HOOK_XML: a 0600 copy of the domain XML; output to the journal)",
        undo is null ? "undo: none" : $"undo at release (or if a later step fails): {ScriptCommand.Show(undo)}",
    ];

    public override void Apply(StepScope scope)
    {
        scope.Intent(new ScriptData { Run = [.. run], TimeoutSeconds = timeoutSeconds, Undo = undo is null ? null : [.. undo] });
        runner.Run(scope.Context.Domain, run, timeoutSeconds, xmlOnStdin: false, scope.Context.Log);
        scope.Done();
    }
}
