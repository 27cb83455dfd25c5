using System.CommandLine;
using HookDispatcher.Engine;
using HookDispatcher.Host;
using HookDispatcher.Hook;

namespace HookDispatcher.Cli;

/// <summary>
/// <c>hookctl release DOMAIN | --all [--force]</c>: undo what a domain holds, as libvirt's release would — never
/// under a running QEMU (it would lose its GPU, hugepages or isolation) unless forced.
/// </summary>
internal static class ReleaseCommand
{
    public static Command Create()
    {
        var domain = new Argument<string?>("domain") { Description = "The libvirt domain name", Arity = ArgumentArity.ZeroOrOne }.DomainNames();
        var all = new Option<bool>("--all") { Description = "Release every domain that holds something and is not running" };
        var force = new Option<bool>("--force") { Description = "Release even while the domain's QEMU runs" };
        var command = new Command("release", "Undo everything DOMAIN holds (after a crash, or a release libvirt never sent).\n" +
            "Refused while the domain's QEMU runs (libvirt's pid file names a live process, or its machine scope is active).\n" +
            "Examples:\n  hookctl status win11 && hookctl release win11\n  hookctl release --all")
        {
            domain,
            all,
            force,
        };
        command.SetServicesAction((result, services, output, error) =>
        {
            var name = result.GetValue(domain);
            if (result.GetValue(all) == (name is not null))
            {
                error.WriteLine("hookctl: release: give either a DOMAIN or --all");
                return ExitCodes.Invalid;
            }
            if (name is not null)
            {
                return Release(services, name, result.GetValue(force), output, error);
            }
            try
            {
                var ledger = Ledger.Load(services.Store);
                foreach (var unreadable in ledger.Unreadable)
                {
                    error.WriteLine($"hookctl: {unreadable.Message}");
                }
                var code = ledger.Unreadable.Count == 0 ? ExitCodes.Ok : ExitCodes.ActionFailed;
                var holding = ledger.Domains.Where(d => d.Steps.Count > 0).Select(d => d.Domain).ToList();
                if (holding.Count == 0)
                {
                    output.WriteLine("no domain holds anything");
                }
                foreach (var each in holding)
                {
                    if (RunningQemu.Evidence(services.Fs, each) is { } running && !result.GetValue(force))
                    {
                        output.WriteLine($"{each}: left alone: {running}");
                        continue;
                    }
                    code = Math.Max(code, Release(services, each, force: true, output, error));
                }
                return code;
            }
            catch (StateException e)
            {
                error.WriteLine($"hookctl: {e.Message}");
                return ExitCodes.ActionFailed;
            }
        });
        return command;
    }

    /// <summary>The one line refusing a release under a running QEMU; null when the release may go ahead.</summary>
    public static string? Refusal(Services services, string domain, bool force) =>
        Refusal(services, domain, force, "release", "its QEMU would lose what it holds");

    /// <summary>The one line refusing <paramref name="action"/> while the domain's QEMU runs; null when it may go ahead.</summary>
    public static string? Refusal(Services services, string domain, bool force, string action, string because) =>
        !force && RunningQemu.Evidence(services.Fs, domain) is { } running
            ? $"{domain}: refusing to {action} while the domain runs ({running}): {because}; stop it with virsh, or add --force"
            : null;

    private static int Release(Services services, string name, bool force, TextWriter output, TextWriter error)
    {
        try
        {
            var held = services.Store.Load(name);
            if (held is null || held.Steps.Count == 0)
            {
                output.WriteLine($"{name}: holds nothing");
                return ExitCodes.Ok;
            }
            if (Refusal(services, name, force) is { } refusal)
            {
                error.WriteLine($"hookctl: {refusal}");
                return ExitCodes.ActionFailed;
            }
            var failures = services.Executor.Release(name, services.Log.ForContext("HOOK_OPERATION", "release"));
            foreach (var failure in failures)
            {
                error.WriteLine($"hookctl: {name}: {failure}");
            }
            output.WriteLine(failures.Count == 0
                ? $"{name}: released {held.Steps.Count} step(s)"
                : $"{name}: {failures.Count} step(s) could not be undone and are kept in {services.Store.PathOf(name)}; " +
                  $"once the host is put right by hand, 'hookctl forget {name}' drops them");
            return failures.Count == 0 ? ExitCodes.Ok : ExitCodes.ActionFailed;
        }
        catch (Exception e) when (e is StateException or HostIoException)
        {
            error.WriteLine($"hookctl: {name}: {e.Message}");
            return ExitCodes.ActionFailed;
        }
    }
}
