using System.Text;
using HookDispatcher.Engine;
using HookDispatcher.Handlers.Gpu;
using HookDispatcher.Handlers.Hugepages;
using HookDispatcher.Handlers.Scripts;
using HookDispatcher.Host;
using HookDispatcher.Rules;
using HookDispatcher.Tests.Support;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace HookDispatcher.Tests.Handlers.Scripts;

/// <summary>
/// hugepages, a marker standing for any built-in handler, and the scripts handler on an executor with a real state
/// directory; scripts are real files (root-owned, 0755) that append to one log file, so order is observable.
/// </summary>
internal sealed class ScriptsHarness : IDisposable, ILogEventSink
{
    public const string Xml = "<domain type='qemu'><name>vm</name></domain>\n";

    private readonly TempDir _dir = new();
    private readonly IReadOnlyList<IHandler> _handlers;

    public ScriptsHarness()
    {
        Directory.CreateDirectory(Bin);
        Store = new StateStore(_dir.Join("state"));
        Scripts = new ScriptsHandler(new ScriptRunner(new ProcessRunner(TimeSpan.FromSeconds(30)), Event, Store.Directory));
        _handlers = [new HugepagesHandler(), new MarkerHandler(LogFile), Scripts];
        Executor = new Executor(Fs, Store, _handlers, TimeSpan.FromSeconds(5));
        Log = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(this).CreateLogger();
    }

    public string Bin => _dir.Join("bin");

    public string LogFile => _dir.Join("log");

    public SimHostFs Fs { get; } = new();

    public StateStore Store { get; }

    public Executor Executor { get; }

    public ScriptsHandler Scripts { get; }

    public ScriptEvent Event { get; } = new();

    public ILogger Log { get; }

    public List<LogEvent> Events { get; } = [];

    /// <summary>What the scripts and the marker appended, in order.</summary>
    public string[] Lines => File.Exists(LogFile) ? File.ReadAllLines(LogFile) : [];

    public string Script(string name, string body)
    {
        var path = Path.Join(Bin, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, (UnixFileMode)0x1ed); // 0755
        return path;
    }

    /// <summary>A script that logs "NAME OPERATION ARGS…".</summary>
    public string Logger(string name) => Script(name, $"echo \"{name} $HOOK_OPERATION $*\" >> {LogFile}");

    public static ScriptRule Entry(string name, string run, ScriptAt at = ScriptAt.Prepare, string? undo = null, int timeout = 30, params string[] args) =>
        new(name, at, [run, .. args], undo is null ? null : [undo], timeout);

    public static RuleSet Rules(IReadOnlyList<ScriptRule> scripts, HugepagesRule? hugepages = null, string? dir = null) =>
        Fixtures.Rules(hugepages) with { Scripts = scripts, ScriptsDir = dir };

    public IReadOnlyList<Step> Plan(RuleSet rules, Stage stage) =>
        new Planner(_handlers).Plan(new PlanContext(stage, rules, Fixtures.Domain("vm"), Fs));

    public void Run(RuleSet rules, Stage stage)
    {
        var op = stage.ToString().ToLowerInvariant();
        Event.Set(op, "begin", "-", () => Encoding.UTF8.GetBytes(Xml));
        Executor.Apply("vm", null, $"{op} begin", Plan(rules, stage), undoStaleFirst: stage == Stage.Prepare, Log);
    }

    public IReadOnlyList<string> Release()
    {
        Event.Set("release", "end", "destroyed", () => Encoding.UTF8.GetBytes(Xml));
        return Executor.Release("vm", Log);
    }

    public void Emit(LogEvent logEvent)
    {
        lock (Events)
        {
            Events.Add(logEvent);
        }
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>
    /// Stands for any built-in handler: one step at prepare that logs its apply and its undo. Its record has the data
    /// of a note kind this build knows (state files hold only those); the harness has no gpu handler, so the marker's
    /// kind is the one of that name.
    /// </summary>
    private sealed class MarkerHandler(string log) : IHandler
    {
        public string Kind => "marker";

        public IEnumerable<Step> Plan(PlanContext context) => context.Stage == Stage.Prepare ? [new MarkerStep(log)] : [];

        public IReadOnlyList<IRecordKind> RecordKinds => [new MarkerRecord(log)];
    }

    private sealed class MarkerRecord(string log) : IRecordKind
    {
        public string Name => GpuRecords.UsersChecked;

        public void Undo(StepRecord record, ExecContext context) => File.AppendAllText(log, "builtin undo\n");

        public IReadOnlyList<string> DescribeUndo(StepRecord record) => ["builtin undo"];
    }

    private sealed class MarkerStep(string log) : Step
    {
        public override string Id => "marker";

        public override string Kind => GpuRecords.UsersChecked;

        public override string Summary => "marker";

        public override IReadOnlyList<string> Actions => [];

        public override void Apply(StepScope scope)
        {
            scope.Intent(new GpuUsersCheckedData());
            File.AppendAllText(log, "builtin apply\n");
            scope.Done();
        }
    }
}
