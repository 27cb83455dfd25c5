using HookDispatcher.Configuration;
using HookDispatcher.Domain;
using HookDispatcher.Engine;
using HookDispatcher.Handlers.Scripts;
using HookDispatcher.Host;
using HookDispatcher.Rules;
using Serilog;

namespace HookDispatcher.Hook;

/// <summary>
/// The full hook path for a domain that has rules or state. Errors become one stderr line (libvirt shows it in
/// <c>virsh start</c>) and an exit code; release and reconnect never fail loudly.
/// </summary>
internal sealed class HookRunner(Services services, TextWriter stderr)
{
    public static int Run(HookEvent hookEvent, string configPath)
    {
        HookConfig config;
        string? configError = null;
        try
        {
            config = ConfigLoader.Load(configPath);
        }
        catch (ConfigException e)
        {
            if (hookEvent.Action == HookAction.Apply)
            {
                Console.Error.WriteLine($"hookdispatcher: {hookEvent.Domain} {hookEvent.Operation}: {e.Message}");
                return ExitCodes.Invalid;
            }
            // A broken config must not fail a reconnect (libvirt kills the running VM) nor block a release, and the
            // defaults would miss a domain whose state lives elsewhere: the directories come from what can still
            // be read of the layers.
            config = FastConfig.Read(configPath).Lenient();
            configError = e.Message;
        }
        // libvirt shows the hook's whole stderr in 'virsh start' errors: without journald, logs must not go there,
        // only the one-line error does.
        var services = Services.Create(config, logFallback: TextWriter.Null);
        if (configError is not null)
        {
            Console.Error.WriteLine($"hookdispatcher: {hookEvent.Domain} {hookEvent.Operation}: {configError}; going on with stateDir {config.StateDir}, hostRoot {config.HostRoot}");
            services.Log.ForContext("LIBVIRT_DOMAIN", hookEvent.Domain).Error(
                "{Operation:l}: {Reason:l}; going on with stateDir {StateDir:l}, hostRoot {HostRoot:l}", hookEvent.Operation, configError, config.StateDir, config.HostRoot);
        }
        return new HookRunner(services, Console.Error).Run(hookEvent, Console.OpenStandardInput);
    }

    public int Run(HookEvent hookEvent, Func<Stream> domainXml)
    {
        var log = services.Log.ForContext("LIBVIRT_DOMAIN", hookEvent.Domain).ForContext("HOOK_OPERATION", hookEvent.Operation);
        log.Debug("Hook event {Event:l} {Extra:l}", hookEvent.Name, hookEvent.Extra);
        var xml = new DomainXmlBuffer(domainXml);
        services.ScriptEvent.Set(hookEvent.Operation, hookEvent.SubOperation, hookEvent.Extra, xml.Bytes);
        return hookEvent.Action switch
        {
            HookAction.Apply => Apply(hookEvent, xml.Open, log),
            HookAction.Release => Release(hookEvent, log),
            HookAction.Reconnect => Reconnect(hookEvent, log),
            HookAction.Stopped => Stopped(hookEvent, log),
            _ => ExitCodes.Ok,
        };
    }

    private int Apply(HookEvent hookEvent, Func<Stream> domainXml, ILogger log)
    {
        var plan = HookPlan.Build(services, hookEvent, domainXml);
        if (plan.Error is { } error)
        {
            return Fail(hookEvent, log, plan.ErrorExitCode, error);
        }
        if (plan.Steps.Count == 0 && hookEvent.Stage != Stage.Prepare)
        {
            return ExitCodes.Ok;
        }
        try
        {
            services.Executor.Apply(hookEvent.Domain, plan.Domain?.Uuid, hookEvent.Name, plan.Steps, undoStaleFirst: hookEvent.Stage == Stage.Prepare, log);
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is StepFailedException or StateException or HostIoException)
        {
            return Fail(hookEvent, log, ExitCodes.ActionFailed, e.Message);
        }
    }

    private int Release(HookEvent hookEvent, ILogger log)
    {
        // libvirt >= 10.5 passes the shutoff reason (shutdown, destroyed, crashed, failed, …) as the last argument
        // of 'release end'; older versions pass '-'.
        if (hookEvent.Extra is { Length: > 0 } reason && reason != "-")
        {
            log = log.ForContext("LIBVIRT_SHUTOFF_REASON", reason);
        }
        if (!RuleLoader.IsValidDomainName(hookEvent.Domain, out var nameError))
        {
            // Nothing can be held under a name that cannot have a state file; release must not reach outside it.
            Fail(hookEvent, log, ExitCodes.Ok, $"{nameError}; nothing to release");
            return ExitCodes.Ok;
        }
        try
        {
            var failures = services.Executor.Release(hookEvent.Domain, log);
            if (failures.Count == 0)
            {
                return ExitCodes.Ok;
            }
            return Fail(hookEvent, log, ExitCodes.ActionFailed, "could not undo " + string.Join("; ", failures) + " ('hookctl release' retries)");
        }
        catch (Exception e) when (e is StateException or HostIoException)
        {
            return Fail(hookEvent, log, ExitCodes.ActionFailed, e.Message);
        }
    }

    /// <summary>
    /// libvirtd restarted with the VM running: what the state says the VM holds is checked against the host and
    /// repaired where safe (the inhibitor re-taken, AllowedCPUs re-applied). A failure here would make libvirt kill
    /// the VM, so this always exits 0.
    /// </summary>
    private int Reconnect(HookEvent hookEvent, ILogger log)
    {
        if (!RuleLoader.IsValidDomainName(hookEvent.Domain, out _))
        {
            return ExitCodes.Ok;
        }
        var findings = services.Executor.Reconcile(hookEvent.Domain, log);
        log.Information("Reconnected: {Repaired} repaired, {Problems} problem(s), {Ok} as recorded",
            findings.Count(f => f.Kind == FindingKind.Repaired), findings.Count(f => f.Kind == FindingKind.Problem), findings.Count(f => f.Kind == FindingKind.Ok));
        return ExitCodes.Ok;
    }

    /// <summary>The domain stopped (libvirt ignores the status): only a held VFIO-Tools tree has anything to run.</summary>
    private int Stopped(HookEvent hookEvent, ILogger log)
    {
        try
        {
            var state = services.Store.Load(hookEvent.Domain);
            foreach (var scripts in services.Handlers.OfType<ScriptsHandler>())
            {
                scripts.RunTreeEvent(state, hookEvent.Operation, hookEvent.SubOperation, log);
            }
        }
        catch (Exception e) when (e is StateException or IOException or UnauthorizedAccessException)
        {
            log.Warning("Stopped: {Reason:l}", e.Message);
        }
        return ExitCodes.Ok;
    }

    private int Fail(HookEvent hookEvent, ILogger log, int code, string message)
    {
        var line = message.ReplaceLineEndings(" ");
        log.Error("{Operation:l} failed: {Reason:l}", hookEvent.Operation, line);
        stderr.WriteLine($"hookdispatcher: {hookEvent.Domain} {hookEvent.Operation}: {line}");
        return code;
    }
}
