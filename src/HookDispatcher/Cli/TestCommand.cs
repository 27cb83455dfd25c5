using System.CommandLine;
using System.Text.Json;
using HookDispatcher.Engine;
using HookDispatcher.Hook;
using HookDispatcher.Host;

namespace HookDispatcher.Cli;

/// <summary>
/// <c>hookctl test DOMAIN EVENT [--xml FILE] [--apply]</c>: the dry run prints the plan with the exact writes and
/// touches nothing; <c>--apply</c> runs the event for real, exactly as the hook would.
/// </summary>
internal static class TestCommand
{
    private static readonly string[] Events = ["prepare", "start", "started", "release"];

    public static Command Create()
    {
        var domain = new Argument<string>("domain") { Description = "The libvirt domain name" }.DomainNames();
        var hookEvent = new Argument<string>("event") { Description = "prepare, start, started or release" };
        hookEvent.AcceptOnlyFromAmong(Events);
        var xml = new Option<FileInfo?>("--xml") { Description = "Domain XML file (default: read from stdin)" };
        var apply = new Option<bool>("--apply") { Description = "Really change the host (for manual testing)" };
        var force = new Option<bool>("--force") { Description = "With release --apply: release even while the domain's QEMU runs" };
        var json = new Option<bool>("--json") { Description = "Dry run only: print one JSON document, one object per step with its writes (schema: hookctl(1))" };
        var command = new Command("test", "Show what the hook would do for DOMAIN at EVENT without touching the host.\n" +
            "With --verbose, writes summarised per kind (IRQs) are listed one by one.\n" +
            "Examples:\n  hookctl test win11 prepare --xml /etc/libvirt/qemu/win11.xml\n  virsh dumpxml win11 | hookctl test win11 started\n  hookctl test win11 release\n  hookctl test win11 prepare --xml win11.xml --json")
        {
            domain,
            hookEvent,
            xml,
            apply,
            force,
            json,
        };
        command.SetServicesAction((result, services, output, error) =>
        {
            var op = result.GetValue(hookEvent)!;
            var e = new HookEvent(result.GetValue(domain)!, op, op == "release" ? "end" : "begin", "-");
            var xmlFile = result.GetValue(xml);
            Func<Stream> source = xmlFile is null ? Console.OpenStandardInput : () => xmlFile.OpenRead();
            if (xmlFile is null && e.Action == HookAction.Apply && !Console.IsInputRedirected)
            {
                error.WriteLine("hookctl: give the domain XML with --xml FILE or on stdin (virsh dumpxml DOMAIN | hookctl test …)");
                return ExitCodes.Invalid;
            }
            if (xmlFile is { Exists: false })
            {
                error.WriteLine($"hookctl: --xml: '{xmlFile.FullName}' does not exist");
                return ExitCodes.Invalid;
            }
            if (result.GetValue(apply))
            {
                if (e.Action == HookAction.Release && ReleaseCommand.Refusal(services, e.Domain, result.GetValue(force)) is { } refusal)
                {
                    error.WriteLine($"hookctl: {refusal}");
                    return ExitCodes.ActionFailed;
                }
                return new HookRunner(services, error).Run(e, source);
            }
            if (services.Fs.Root != "/")
            {
                // The tree stands in for the host; the real system bus is not part of the simulation.
                services = new Services(services.Config, services.Log, services.Fs, new SimulatedHostSystemd(services.Fs.Root), services.Store, services.Modules);
            }
            if (result.GetValue(json))
            {
                var report = e.Action == HookAction.Release ? TestJsonReport.Release(services, e) : TestJsonReport.Plan(services, e, source);
                output.WriteLine(JsonSerializer.Serialize(report.Json, CliJsonContext.Default.TestJson));
                return report.ExitCode;
            }
            return e.Action == HookAction.Release
                ? PrintRelease(services, e.Domain, output, error)
                : PrintPlan(services, e, source, output, error, result.GetValue(GlobalOptions.Verbose));
        });
        return command;
    }

    private static int PrintPlan(Services services, HookEvent e, Func<Stream> source, TextWriter output, TextWriter error, bool verbose)
    {
        var plan = HookPlan.Build(services, e, source);
        if (plan.Error is { } problem)
        {
            error.WriteLine($"hookctl: {e.Domain} {e.Operation}: {problem}");
            return plan.ErrorExitCode;
        }
        if (plan.Rules is null)
        {
            output.WriteLine($"{e.Domain}: no rules in {services.Config.RulesDir}; the hook exits at once and changes nothing");
            return ExitCodes.Ok;
        }
        output.WriteLine($"{e.Domain} {e.Name}: {plan.Steps.Count} step(s) — dry run, nothing is changed");
        output.WriteLine($"  rules: {string.Join(", ", plan.Rules.Sources)}");
        output.WriteLine($"  state: {services.Store.PathOf(e.Domain)} (intent journalled before each change)");
        if (services.Fs.Root != "/")
        {
            output.WriteLine($"  host root: {services.Fs.Root} (every /sys and /proc path below is under it)");
        }
        var n = 0;
        foreach (var step in plan.Steps)
        {
            output.WriteLine($"  {++n}. {step.Id}: {step.Summary}");
            foreach (var action in verbose ? step.DetailedActions : step.Actions)
            {
                output.WriteLine($"       - {action}");
            }
        }
        output.WriteLine("  on release: every step is undone in reverse order");
        return ExitCodes.Ok;
    }

    private static int PrintRelease(Services services, string domain, TextWriter output, TextWriter error)
    {
        DomainState? state;
        try
        {
            state = services.Store.Load(domain);
        }
        catch (StateException problem)
        {
            error.WriteLine($"hookctl: {domain} release: {problem.Message}");
            return ExitCodes.ActionFailed;
        }
        if (state is null || state.Steps.Count == 0)
        {
            output.WriteLine($"{domain} release end: holds nothing; nothing to undo");
            return ExitCodes.Ok;
        }
        output.WriteLine($"{domain} release end: {state.Steps.Count} step(s) to undo, in reverse order — dry run");
        foreach (var record in Enumerable.Reverse(state.Steps))
        {
            output.WriteLine($"  - {record.Id} [{record.Status.ToString().ToLowerInvariant()}]");
            var lines = services.RecordKinds.Of(record) is { } kind ? kind.DescribeUndo(record) : [$"unknown kind '{record.Kind}'"];
            foreach (var line in lines)
            {
                output.WriteLine($"       - {line}");
            }
        }
        return ExitCodes.Ok;
    }
}
