using System.CommandLine;
using System.Text.Json;
using HookDispatcher.Configuration;
using HookDispatcher.Doctor;
using HookDispatcher.Hook;

namespace HookDispatcher.Cli;

/// <summary>
/// <c>hookctl doctor [DOMAIN…] [--xml FILE] [--json]</c>: read-only preflight checks of the host, the install and
/// each domain; exits 0 when nothing failed, 1 otherwise.
/// </summary>
internal static class DoctorCommand
{
    public static Command Create()
    {
        var domains = new Argument<string[]>("domain")
        {
            Description = "Domains to check (default: every domain with rules)",
            Arity = ArgumentArity.ZeroOrMore,
        }.DomainNames();
        var xml = new Option<FileInfo?>("--xml") { Description = "Domain XML file (default /etc/libvirt/qemu/DOMAIN.xml); one domain only" };
        var json = new Option<bool>("--json") { Description = "Print the checks as one JSON document" };
        var command = new Command("doctor", "Check the host, the install and each domain before the first start; changes nothing.\n" +
            "Examples:\n  hookctl doctor\n  hookctl doctor win11\n  hookctl doctor win11 --xml ./win11.xml --json")
        {
            domains,
            xml,
            json,
        };
        command.SetServicesAction((result, services, output, error) =>
        {
            var names = result.GetValue(domains) ?? [];
            var xmlFile = result.GetValue(xml);
            if (xmlFile is not null && names.Length != 1)
            {
                error.WriteLine("hookctl: doctor --xml needs exactly one DOMAIN");
                return ExitCodes.Invalid;
            }
            var binary = Environment.ProcessPath is { } path && Path.GetFileName(path) is "hookctl" or "qemu" ? path : null;
            var configPath = HookConfig.ResolvePath(result.GetValue(GlobalOptions.Config));
            var report = Preflight.Run(services, configPath, names, xmlFile?.FullName, binary);
            if (result.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(report, DoctorJsonContext.Default.DoctorReport));
            }
            else
            {
                report.WriteText(output);
            }
            return report.Ok ? ExitCodes.Ok : ExitCodes.ActionFailed;
        });
        return command;
    }
}
