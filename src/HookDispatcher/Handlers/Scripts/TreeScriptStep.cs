using System.Globalization;
using HookDispatcher.Engine;

namespace HookDispatcher.Handlers.Scripts;

/// <summary>
/// One executable of a VFIO-Tools tree at its event, called as that tree's dispatcher did:
/// <c>script DOMAIN OPERATION SUB-OPERATION EXTRA</c>, the domain XML on stdin. It has no undo of its own: the
/// tree's <c>release/end/</c> scripts are the undo (<see cref="ReleaseScriptStep.Tree"/>).
/// </summary>
internal sealed class TreeScriptStep(ScriptRunner runner, string dir, string file, IReadOnlyList<string> argv) : Step
{
    public override string Id => ScriptsHandler.TreeKindName + ":" + Path.GetRelativePath(dir, file);

    public override string Kind => ScriptRecords.Tree;

    public override string Summary => $"run {ScriptCommand.Show(argv)}";

    public override IReadOnlyList<string> Actions =>
    [
        $"run {ScriptCommand.Show(argv)} (time limit {ScriptsHandler.TreeTimeoutSeconds} s; domain XML on stdin; output to the journal)",
        "undo: none (the tree's release/end/ scripts run at release)",
    ];

    public override void Apply(StepScope scope)
    {
        scope.Intent(new TreeScriptData { Run = [.. argv], TimeoutSeconds = ScriptsHandler.TreeTimeoutSeconds });
        runner.Run(scope.Context.Domain, argv, ScriptsHandler.TreeTimeoutSeconds, xmlOnStdin: true, scope.Context.Log);
        scope.Done();
    }
}
