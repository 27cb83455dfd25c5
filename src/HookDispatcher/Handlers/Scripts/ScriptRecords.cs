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

    private const string NoUndo = "nothing (no undo command)";

    private sealed class EntryRecord(ScriptRunner runner) : IRecordKind
    {
        public string Name => Script;

        public void Undo(StepRecord record, ExecContext context)
        {
            var data = record.As<ScriptData>();
            if (data.Undo is { } undo)
            {
                runner.Run(context.Domain, undo, data.TimeoutSeconds, xmlOnStdin: false, context.Log);
            }
        }

        public IReadOnlyList<string> DescribeUndo(StepRecord record) =>
            record.As<ScriptData>() is { Undo: { } undo } data ? [$"run {ScriptCommand.Show(undo)} (time limit {data.TimeoutSeconds} s)"] : [NoUndo];
    }

    private sealed class ReleaseEntryRecord(ScriptRunner runner) : IRecordKind
    {
        public string Name => Release;

        public void Undo(StepRecord record, ExecContext context)
        {
            var data = record.As<ReleaseScriptData>();
            runner.Run(context.Domain, data.Run, data.TimeoutSeconds, xmlOnStdin: false, context.Log);
        }

        public IReadOnlyList<string> DescribeUndo(StepRecord record) =>
            record.As<ReleaseScriptData>() is var data ? [$"run {ScriptCommand.Show(data.Run)} (time limit {data.TimeoutSeconds} s)"] : [];
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

        public void Undo(StepRecord record, ExecContext context) => RunTree(runner, record.As<TreeReleaseData>().Dir, context.Domain, "release", "end", context.Log);

        public IReadOnlyList<string> DescribeUndo(StepRecord record) =>
            [$"run every executable in {Path.Join(record.As<TreeReleaseData>().Dir, "release", "end")}/ in lexical order"];
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

/// <summary>A command the scripts section ran or runs (its argv, as the rule gave it, and its time limit).</summary>
internal abstract class CommandData : RecordData
{
    public required List<string> Run { get; init; }

    public int TimeoutSeconds { get; init; } = ScriptRuleBinder.DefaultTimeoutSeconds;

    /// <summary>The timeout of formats 1 to 3 (a number in a string; the default when missing or malformed).</summary>
    private protected static int LegacyTimeout(LegacyData data) =>
        data.Optional("timeoutSeconds") is { } text && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? seconds
            : ScriptRuleBinder.DefaultTimeoutSeconds;

    /// <summary>An argv of formats 1 to 3: a JSON array inside one string.</summary>
    private protected static List<string> LegacyCommand(LegacyData data, string key) => [.. ScriptCommand.Decode(data.Text(key))];
}

/// <summary>A <c>scripts</c> entry that ran (<see cref="ScriptStep"/>), with the undo command release runs (null: none).</summary>
internal sealed class ScriptData : CommandData
{
    protected override string KindName => ScriptRecords.Script;

    public List<string>? Undo { get; init; }

    public static ScriptData FromLegacy(LegacyData data) => new()
    {
        Run = LegacyCommand(data, "run"),
        TimeoutSeconds = LegacyTimeout(data),
        Undo = data.Has("undo") ? LegacyCommand(data, "undo") : null,
    };
}

/// <summary>An <c>"at": "release"</c> entry: release runs it.</summary>
internal sealed class ReleaseScriptData : CommandData
{
    protected override string KindName => ScriptRecords.Release;

    public static ReleaseScriptData FromLegacy(LegacyData data) => new() { Run = LegacyCommand(data, "run"), TimeoutSeconds = LegacyTimeout(data) };
}

/// <summary>A VFIO-Tools tree's script that ran at its event: nothing to undo.</summary>
internal sealed class TreeScriptData : CommandData
{
    protected override string KindName => ScriptRecords.Tree;

    public static TreeScriptData FromLegacy(LegacyData data) => new() { Run = LegacyCommand(data, "run"), TimeoutSeconds = LegacyTimeout(data) };
}

/// <summary>A VFIO-Tools tree whose <c>release/end/</c> release runs.</summary>
internal sealed class TreeReleaseData : RecordData
{
    protected override string KindName => ScriptRecords.TreeRelease;

    public required string Dir { get; init; }

    public static TreeReleaseData FromLegacy(LegacyData data) => new() { Dir = data.Text("dir") };
}
