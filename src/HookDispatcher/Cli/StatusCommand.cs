using System.CommandLine;
using System.Text.Json;
using HookDispatcher.Engine;
using HookDispatcher.Hook;

namespace HookDispatcher.Cli;

/// <summary><c>hookctl status [DOMAIN]</c>: what each domain holds, read from the state files.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var domain = new Argument<string?>("domain") { Description = "Only this domain", Arity = ArgumentArity.ZeroOrOne }.DomainNames();
        var json = new Option<bool>("--json") { Description = "Print one JSON document (schema: hookctl(1))" };
        var command = new Command("status", "Show what each domain holds on the host (from the state files).\n" +
            "Examples:\n  hookctl status\n  hookctl status win11\n  hookctl status --json")
        {
            domain,
            json,
        };
        command.SetServicesAction((result, services, output, error) =>
        {
            try
            {
                var name = result.GetValue(domain);
                var ledger = name is null ? Ledger.Load(services.Store) : Ledger.Empty;
                var states = name is null ? ledger.Domains : [services.Store.Load(name) ?? new DomainState { Domain = name }];
                foreach (var unreadable in ledger.Unreadable)
                {
                    error.WriteLine($"hookctl: {unreadable.Message}");
                }
                if (result.GetValue(json))
                {
                    output.WriteLine(JsonSerializer.Serialize(ToJson(services.Store.Directory, states, ledger.Unreadable.Select(u => u.Message).ToList()), CliJsonContext.Default.StatusJson));
                    return ledger.Unreadable.Count == 0 ? ExitCodes.Ok : ExitCodes.ActionFailed;
                }
                if (states.Count == 0 && ledger.Unreadable.Count == 0)
                {
                    output.WriteLine($"no domain holds anything ({services.Store.Directory})");
                }
                foreach (var state in states)
                {
                    output.WriteLine(state.Steps.Count == 0 ? $"{state.Domain}: holds nothing" : $"{state.Domain}:");
                    foreach (var step in state.Steps)
                    {
                        var data = step.DataLine();
                        var note = step.Status == StepStatus.Intent ? " (interrupted: may be partly applied; release undoes it)" : "";
                        output.WriteLine($"  {step.Id} [{step.Status.ToString().ToLowerInvariant()}] at {step.Event}: {data}{note}");
                    }
                }
                return ledger.Unreadable.Count == 0 ? ExitCodes.Ok : ExitCodes.ActionFailed;
            }
            catch (StateException e)
            {
                error.WriteLine($"hookctl: {e.Message}");
                return ExitCodes.ActionFailed;
            }
        });
        return command;
    }

    private static StatusJson ToJson(string directory, IReadOnlyList<DomainState> states, IReadOnlyList<string> unreadable) =>
        new(directory,
            states.Select(d => new DomainStatusJson(d.Domain, d.Steps.Select(s => new HeldStepJson(
                s.Id, s.Kind, s.Status.ToString().ToLowerInvariant(), s.Event,
                s.DataJson())).ToList())).ToList(),
            unreadable);
}
