using HookDispatcher.Engine;

namespace HookDispatcher.Handlers.Scripts;

/// <summary>
/// Something to run at release only: a <c>"at": "release"</c> entry, or a VFIO-Tools tree's <c>release/end/</c>.
/// Journalled at prepare (it changes nothing then) so that release, which works from the state file alone, runs it;
/// a prepare that fails after it runs it while rolling back, as libvirt's release would right after.
/// </summary>
internal sealed class ReleaseScriptStep(string id, RecordData data, string description) : Step
{
    public static ReleaseScriptStep Entry(string name, IReadOnlyList<string> run, int timeoutSeconds) => new(
        ScriptsHandler.KindName + ":" + name,
        new ReleaseScriptData { Run = [.. run], TimeoutSeconds = timeoutSeconds },
        $"at release: run {ScriptCommand.Show(run)} (time limit {timeoutSeconds} s)");

    public static ReleaseScriptStep Tree(string dir, IReadOnlyList<string> now) => new(
        ScriptsHandler.TreeKindName + ":release",
        new TreeReleaseData { Dir = dir },
        $"at release: run every executable in {Path.Join(dir, "release", "end")}/ in lexical order (now: " +
        (now.Count == 0 ? "none" : string.Join(", ", now.Select(Path.GetFileName))) + $"; time limit {ScriptsHandler.TreeTimeoutSeconds} s each)");

    public override string Id => id;

    public override string Kind => data.Kind;

    public override string Summary => "record what to run at release";

    public override IReadOnlyList<string> Actions => [description];

    public override void Apply(StepScope scope)
    {
        scope.Intent(data);
        scope.Done();
    }
}
