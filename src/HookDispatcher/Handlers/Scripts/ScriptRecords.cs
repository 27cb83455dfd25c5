using System.Globalization;
using HookDispatcher.Engine;
using HookDispatcher.Rules;
using Serilog;

namespace HookDispatcher.Handlers.Scripts;

/// <summary>The kinds of record the scripts section journals, one per what release does with it.</summary>
internal static class ScriptRecords
{
    /// <summary>A <c>scripts</c> entry at its event (<see cref="ScriptStep"/>): release runs its undo command, if any.</summary>
    public const string Script = ScriptsHandler.KindName + "." + ScriptsHandler.ScriptType;

    /// <summary>An <c>"at": "release"</c> entry (<see cref="ReleaseScriptStep.Entry"/>): release runs it.</summary>
    public const string Release = ScriptsHandler.KindName + "." + ScriptsHandler.ReleaseType;

    /// <summary>A VFIO-Tools tree's script at its event (<see cref="TreeScriptStep"/>): nothing to undo.</summary>
    public const string Tree = ScriptsHandler.KindName + "." + ScriptsHandler.TreeType;

    /// <summary>A VFIO-Tools tree's <c>release/end/</c> (<see cref="ReleaseScriptStep.Tree"/>): release runs it.</summary>
    public const string TreeRelease = ScriptsHandler.KindName + "." + ScriptsHandler.TreeReleaseType;

    public static IReadOnlyList<IRecordKind> All(ScriptRunner runner) =>
        [new EntryRecord(runner), new ReleaseEntryRecord(runner), new TreeScriptRecord(), new TreeReleaseRecord(runner)];

    internal static int Timeout(StepRecord record) =>
        record.Data.TryGetValue("timeoutSeconds", out var text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? seconds
            : ScriptRuleBinder.DefaultTimeoutSeconds;

    private const string NoUndo = "nothing (no undo command)";

    private sealed class EntryRecord(ScriptRunner runner) : IRecordKind
    {
        public string Name => Script;

        public void Undo(StepRecord record, ExecContext context)
        {
            if (record.Data.TryGetValue("undo", out var undo))
            {
                runner.Run(context.Domain, ScriptCommand.Decode(undo), Timeout(record), xmlOnStdin: false, context.Log);
            }
        }

        public IReadOnlyList<string> DescribeUndo(StepRecord record) =>
            record.Data.TryGetValue("undo", out var undo) ? [$"run {ScriptCommand.Show(ScriptCommand.Decode(undo))} (time limit {Timeout(record)} s)"] : [NoUndo];
    }

    private sealed class ReleaseEntryRecord(ScriptRunner runner) : IRecordKind
    {
        public string Name => Release;

        public void Undo(StepRecord record, ExecContext context) =>
            runner.Run(context.Domain, ScriptCommand.Decode(record.Get("run")), Timeout(record), xmlOnStdin: false, context.Log);

        public IReadOnlyList<string> DescribeUndo(StepRecord record) =>
            [$"run {ScriptCommand.Show(ScriptCommand.Decode(record.Get("run")))} (time limit {Timeout(record)} s)"];
    }

    private sealed class TreeScriptRecord : IRecordKind
    {
        public string Name => Tree;

        public void Undo(StepRecord record, ExecContext context)
        {
            // The tree's release/end/ scripts are the undo (their own record).
        }

        public IReadOnlyList<string> DescribeUndo(StepRecord record) => [NoUndo];
    }

    private sealed class TreeReleaseRecord(ScriptRunner runner) : IRecordKind
    {
        public string Name => TreeRelease;

        public void Undo(StepRecord record, ExecContext context) => RunTree(runner, record.Get("dir"), context.Domain, "release", "end", context.Log);

        public IReadOnlyList<string> DescribeUndo(StepRecord record) =>
            [$"run every executable in {Path.Join(record.Get("dir"), "release", "end")}/ in lexical order"];
    }

    /// <summary>
    /// Every script of the event runs even when one fails, as the tree's own dispatcher did; failures are logged as
    /// errors but not kept for a retry: these scripts were written for a dispatcher that ran them once and ignored
    /// their status, and a retry at the next prepare would refuse to start the VM.
    /// </summary>
    internal static void RunTree(ScriptRunner runner, string dir, string domain, string operation, string subOperation, ILogger log)
    {
        var current = runner.Current;
        var extra = current.Operation == operation ? current.Extra : "-";
        foreach (var file in ScriptRuleBinder.EventScripts(dir, operation, subOperation))
        {
            var stepLog = log.ForContext("HOOK_STEP", ScriptsHandler.TreeKindName + ":" + Path.GetRelativePath(dir, file));
            try
            {
                runner.Run(domain, [file, domain, operation, subOperation, extra], ScriptsHandler.TreeTimeoutSeconds, xmlOnStdin: true, stepLog);
            }
            catch (ScriptException e)
            {
                stepLog.Error("{Dir:l} {Operation:l}/{SubOperation:l}: {Reason:l}", dir, operation, subOperation, e.Message);
            }
        }
    }
}
