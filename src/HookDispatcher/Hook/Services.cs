using HookDispatcher.Configuration;
using HookDispatcher.Engine;
using HookDispatcher.Handlers.CpuGovernor;
using HookDispatcher.Handlers.CpuIsolation;
using HookDispatcher.Handlers.Gpu;
using HookDispatcher.Handlers.Hugepages;
using HookDispatcher.Handlers.Scripts;
using HookDispatcher.Handlers.LookingGlass;
using HookDispatcher.Handlers.SleepInhibitor;
using HookDispatcher.Handlers.Units;
using HookDispatcher.Host;
using HookDispatcher.Logging;
using HookDispatcher.Rules;
using Serilog;

namespace HookDispatcher.Hook;

/// <summary>The composition root: the real host parts wired from the config, in one place.</summary>
internal sealed class Services
{
    /// <summary>Longest wait for a systemd job, a D-Bus reply or logind to list an inhibitor.</summary>
    public static readonly TimeSpan SystemdTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Longest wait for a PCI bind, a /dev/vfio node, a busy module, and for modprobe.</summary>
    public static readonly TimeSpan GpuTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan ModprobeTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Longest wait for udev to make /dev/kvmfr0 once kvmfr is loaded.</summary>
    public static readonly TimeSpan KvmfrTimeout = TimeSpan.FromSeconds(5);

    public Services(
        HookConfig config, ILogger log, IHostFs? fs = null, ISystemd? systemd = null, StateStore? store = null, IKernelModules? modules = null)
    {
        Config = config;
        Log = log;
        Fs = fs ?? new HostFs(config.HostRoot);
        Systemd = systemd ?? new SystemdBus(config.SystemBus, SystemdTimeout);
        Modules = modules ?? new KernelModules(Fs, new ProcessRunner(ModprobeTimeout));
        Store = store ?? new StateStore(config.StateDir);
        ScriptEvent = new ScriptEvent();
        // Steps of one event run in this order; release undoes the records in reverse order of application.
        Handlers =
        [
            // First: a service that holds the GPU (nvidia-persistenced) or memory is stopped before the rest acts.
            new StopUnitsHandler(Systemd),
            new HugepagesHandler(),
            new LookingGlassHandler(fs => new OwnedFiles(fs), Modules, KvmfrTimeout),
            new SleepInhibitorHandler(Systemd, BinaryPath, config.SystemBus, TimeSpan.FromSeconds(10)),
            // A test's host model is seen only by this process; the real sysfs (or a copied tree) by a child too.
            new GpuHandler(Systemd, new GpuOptions(Modules, new FramebufferConsole(Fs), GpuTimeout, GpuTimeout,
                fs is null ? new ChildDriverWrites(BinaryPath) : null)),
            new CpuIsolationHandler(Systemd),
            new CpuGovernorHandler(),
            // Last: the user's scripts run after the built-in steps of their event and are undone before them.
            new ScriptsHandler(new ScriptRunner(new ProcessRunner(ModprobeTimeout), ScriptEvent, Store.Directory)),
        ];
        Planner = new Planner(Handlers);
        Executor = new Executor(Fs, Store, Handlers, config.LockTimeout);
        Rules = new RuleLoader();
    }

    public HookConfig Config { get; }

    public ILogger Log { get; }

    public IHostFs Fs { get; }

    public ISystemd Systemd { get; }

    public IKernelModules Modules { get; }

    /// <summary>The installed binary, for the transient inhibitor service (systemd needs an absolute path).</summary>
    public static string BinaryPath => Environment.ProcessPath is { } path && Path.GetFileName(path) == "hookctl" ? path : "/usr/local/bin/hookctl";

    public StateStore Store { get; }

    /// <summary>The event user scripts run in (their HOOK_* environment and domain XML); the hook sets it.</summary>
    public ScriptEvent ScriptEvent { get; }

    public IReadOnlyList<IHandler> Handlers { get; }

    /// <summary>Every kind of record the handlers journal: what undoes, checks and describes each.</summary>
    public RecordKinds RecordKinds => Executor.RecordKinds;

    public Planner Planner { get; }

    public Executor Executor { get; }

    public RuleLoader Rules { get; }

    /// <param name="logFallback">Where logs go without journald (null: stderr).</param>
    public static Services Create(HookConfig config, bool verbose = false, TextWriter? logFallback = null) =>
        new(config, LogFactory.Create(new LogOptions(config.JournalSocket, verbose, logFallback)));
}
