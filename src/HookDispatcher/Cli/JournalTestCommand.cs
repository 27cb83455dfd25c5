using System.CommandLine;
using HookDispatcher.Hook;

namespace HookDispatcher.Cli;

/// <summary>
/// <c>hookctl journal-test</c>: writes one multi-line entry through the same logger the hook uses, so a user (and
/// the VM tests) can check what reaches journald: <c>journalctl -o json SYSLOG_IDENTIFIER=hookdispatcher</c>.
/// </summary>
internal static class JournalTestCommand
{
    public static Command Create()
    {
        var size = new Option<int>("--size")
        {
            Description = "Pad the message to this many bytes (over ~200 KB the sink passes it to journald in a sealed memfd)",
            DefaultValueFactory = _ => 0,
        };
        var command = new Command("journal-test", "Log a multi-line test entry with the hook's fields and print its token.\n" +
            "Example:\n  journalctl -o json HOOK_TEST_TOKEN=$(hookctl journal-test)")
        {
            size,
        };
        command.SetServicesAction((result, services, output, _) =>
        {
            var token = Guid.NewGuid().ToString("N");
            var padding = new string('x', Math.Max(0, result.GetValue(size)));
            services.Log
                .ForContext("LIBVIRT_DOMAIN", "journal-test")
                .ForContext("HOOK_OPERATION", "journal-test")
                .ForContext("HOOK_TEST_TOKEN", token)
                .Information("journal test {Token:l}\nsecond line\nthird line{Padding:l}", token, padding);
            (services.Log as IDisposable)?.Dispose();
            output.WriteLine(token);
            return ExitCodes.Ok;
        });
        return command;
    }
}
