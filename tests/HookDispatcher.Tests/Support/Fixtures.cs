using HookDispatcher.Domain;
using HookDispatcher.Engine;
using HookDispatcher.Handlers.CpuGovernor;
using HookDispatcher.Handlers.CpuIsolation;
using HookDispatcher.Handlers.Hugepages;
using HookDispatcher.Handlers.SleepInhibitor;
using HookDispatcher.Host;
using HookDispatcher.Rules;
using HookDispatcher.Values;
using Serilog;

namespace HookDispatcher.Tests.Support;

internal static class Fixtures
{
    public static HugepagesRule Hugepages(ulong? count = 16, Escalation drop = Escalation.IfShort, Escalation compact = Escalation.IfShort, int attempts = 5, ulong? pageSize = ByteSize.TwoMiB) =>
        new(pageSize, count, null, drop, compact, attempts, Stage.Prepare);

    public static RuleSet Rules(HugepagesRule? hugepages = null, CpuIsolationRule? cpus = null, SleepInhibitorRule? inhibitor = null,
        CpuGovernorRule? governor = null) =>
        new(["test.json"], null, hugepages, cpus, inhibitor, governor);

    public static CpuIsolationRule Cpus(string? hostCpus = null, IReadOnlyList<string>? units = null) =>
        new(hostCpus is null ? null : CpuSet.Parse(hostCpus), units ?? ["system.slice", "user.slice", "init.scope"], Stage.Started);

    public static SleepInhibitorRule Inhibitor(string what = "sleep") => new(what, "libvirt domain {domain} is running", Stage.Prepare);

    /// <summary>A domain without NUMA: one memory region, backed by the host's default hugepages when <paramref name="hugepages"/>.</summary>
    public static DomainInfo Domain(string name = "vm", ulong memoryMiB = 64, bool hugepages = true, string pins = "") =>
        new(name, null, memoryMiB * 1024 * 1024, [], hugepages, null, CpuSet.Parse(pins), [], CpuSet.Parse(pins))
        {
            MemoryRegions = [new MemoryRegion("guest memory", memoryMiB * 1024 * 1024, hugepages, null, null, hugepages ? "<hugepages/>" : "no <hugepages>")],
        };

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
        Handlers =
        [
            new HugepagesHandler(),
            new SleepInhibitorHandler(Systemd, "/usr/local/bin/hookctl", "unix:path=/run/dbus/system_bus_socket", TimeSpan.FromMilliseconds(200)),
            new CpuIsolationHandler(Systemd),
            new CpuGovernorHandler(),
        ];
        Executor = new Executor(Fs, Store, Handlers, TimeSpan.FromSeconds(5));
    }

    public SimHostFs Fs { get; }

    public FakeSystemd Systemd { get; } = new();

    public StateStore Store { get; }

    public IReadOnlyList<IHandler> Handlers { get; }

    public Executor Executor { get; }

    public IReadOnlyList<Step> Plan(RuleSet rules, DomainInfo domain, Stage stage = Stage.Prepare) =>
        new Planner(Handlers).Plan(new PlanContext(stage, rules, domain, Fs));

    public void Prepare(string domain, HugepagesRule rule) =>
        Executor.Apply(domain, null, "prepare begin", Plan(Fixtures.Rules(rule), Fixtures.Domain(domain)), undoStaleFirst: true, Fixtures.Log);

    /// <summary>Applies the steps <paramref name="rules"/> give at <paramref name="stage"/>, as the hook would.</summary>
    public void Run(string domain, RuleSet rules, Stage stage, string pins = "") =>
        Executor.Apply(domain, null, $"{stage.ToString().ToLowerInvariant()} begin", Plan(rules, Fixtures.Domain(domain, pins: pins), stage),
            undoStaleFirst: stage == Stage.Prepare, Fixtures.Log);

    public IReadOnlyList<string> Release(string domain) => Executor.Release(domain, Fixtures.Log);

    public void Dispose() => _dir.Dispose();
}
