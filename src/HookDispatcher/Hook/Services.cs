using HookDispatcher.Configuration;
using HookDispatcher.Engine;
using HookDispatcher.Handlers.Hugepages;
using HookDispatcher.Host;
using HookDispatcher.Logging;
using HookDispatcher.Rules;
using Serilog;

namespace HookDispatcher.Hook;

/// <summary>The composition root: the real host parts wired from the config, in one place.</summary>
internal sealed class Services
{
    public Services(HookConfig config, ILogger log, IHostFs? fs = null)
    {
        Config = config;
        Log = log;
        Fs = fs ?? new HostFs(config.HostRoot);
        Store = new StateStore(config.StateDir);
        Handlers = [new HugepagesHandler()];
        Planner = new Planner(Handlers);
        Executor = new Executor(Fs, Store, Handlers, config.LockTimeout);
        Rules = new RuleLoader();
    }

    public HookConfig Config { get; }

    public ILogger Log { get; }

    public IHostFs Fs { get; }

    public StateStore Store { get; }

    public IReadOnlyList<IHandler> Handlers { get; }

    public Planner Planner { get; }

    public Executor Executor { get; }

    public RuleLoader Rules { get; }

    /// <param name="logFallback">Where logs go without journald (null: stderr).</param>
    public static Services Create(HookConfig config, bool verbose = false, TextWriter? logFallback = null) =>
        new(config, LogFactory.Create(new LogOptions(config.JournalSocket, verbose, logFallback)));
}
