using HookDispatcher.Domain;
using HookDispatcher.Engine;
using HookDispatcher.Handlers.Hugepages;
using HookDispatcher.Host;
using HookDispatcher.Rules;
using HookDispatcher.Values;
using Serilog;

namespace HookDispatcher.Tests.Support;

internal static class Fixtures
{
    public static HugepagesRule Hugepages(ulong? count = 16, Escalation drop = Escalation.IfShort, Escalation compact = Escalation.IfShort, int attempts = 5, ulong? pageSize = ByteSize.TwoMiB) =>
        new(pageSize, count, null, drop, compact, attempts, Stage.Prepare);

    public static RuleSet Rules(HugepagesRule? hugepages = null) => new(["test.json"], null, hugepages, null, null);

    public static DomainInfo Domain(string name = "vm", ulong memoryMiB = 64, bool hugepages = true) =>
        new(name, null, memoryMiB * 1024 * 1024, [], hugepages, null, CpuSet.Empty, []);

    public static ILogger Log => new LoggerConfiguration().CreateLogger();
}

/// <summary>A planner + executor on a simulated host with a real state directory.</summary>
internal sealed class EngineHarness : IDisposable
{
    private readonly TempDir _dir = new();

    public EngineHarness(SimHostFs? fs = null)
    {
        Fs = fs ?? new SimHostFs();
        Store = new StateStore(_dir.Join("state"));
        Handlers = [new HugepagesHandler()];
        Executor = new Executor(Fs, Store, Handlers, TimeSpan.FromSeconds(5));
    }

    public SimHostFs Fs { get; }

    public StateStore Store { get; }

    public IReadOnlyList<IHandler> Handlers { get; }

    public Executor Executor { get; }

    public IReadOnlyList<Step> Plan(RuleSet rules, DomainInfo domain, Stage stage = Stage.Prepare) =>
        new Planner(Handlers).Plan(new PlanContext(stage, rules, domain, Fs));

    public void Prepare(string domain, HugepagesRule rule) =>
        Executor.Apply(domain, null, "prepare begin", Plan(Fixtures.Rules(rule), Fixtures.Domain(domain)), undoStaleFirst: true, Fixtures.Log);

    public void Dispose() => _dir.Dispose();
}
