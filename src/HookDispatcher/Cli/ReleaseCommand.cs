using System.CommandLine;
using HookDispatcher.Engine;
using HookDispatcher.Host;
using HookDispatcher.Hook;

namespace HookDispatcher.Cli;

/// <summary><c>hookctl release DOMAIN</c>: undo what a domain holds, as libvirt's release would.</summary>
internal static class ReleaseCommand
{
    public static Command Create()
    {
        var domain = new Argument<string>("domain") { Description = "The libvirt domain name" };
        var command = new Command("release", "Undo everything DOMAIN holds (after a crash, or a release libvirt never sent).\n" +
            "Example:\n  hookctl status win11 && hookctl release win11")
        {
            domain,
        };
        command.SetServicesAction((result, services, output, error) =>
        {
            var name = result.GetValue(domain)!;
            try
            {
                var held = services.Store.Load(name);
                if (held is null || held.Steps.Count == 0)
                {
                    output.WriteLine($"{name}: holds nothing");
                    return ExitCodes.Ok;
                }
                var failures = services.Executor.Release(name, services.Log.ForContext("HOOK_OPERATION", "release"));
                foreach (var failure in failures)
                {
                    error.WriteLine($"hookctl: {name}: {failure}");
                }
                output.WriteLine(failures.Count == 0
                    ? $"{name}: released {held.Steps.Count} step(s)"
                    : $"{name}: {failures.Count} step(s) could not be undone and are kept in {services.Store.PathOf(name)}");
                return failures.Count == 0 ? ExitCodes.Ok : ExitCodes.ActionFailed;
            }
            catch (Exception e) when (e is StateException or HostIoException)
            {
                error.WriteLine($"hookctl: {name}: {e.Message}");
                return ExitCodes.ActionFailed;
            }
        });
        return command;
    }
}
