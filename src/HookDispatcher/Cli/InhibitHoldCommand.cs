using System.CommandLine;
using System.Runtime.InteropServices;
using HookDispatcher.Handlers.SleepInhibitor;
using HookDispatcher.Hook;
using HookDispatcher.Host.Systemd;
using Tmds.DBus.Protocol;

namespace HookDispatcher.Cli;

/// <summary>
/// <c>hookctl inhibit-hold</c>: the body of the transient service the sleepInhibitor handler starts. It takes a
/// logind inhibitor lock and holds its file descriptor until systemd stops the unit (SIGTERM).
/// </summary>
internal static class InhibitHoldCommand
{
    public static Command Create()
    {
        var bus = new Option<string>("--bus") { Description = "System bus address", DefaultValueFactory = _ => BusClient.SystemBusAddress };
        var what = new Option<string>("--what") { Description = "Colon-separated lock types (sleep, idle, shutdown, …)", Required = true };
        var why = new Option<string>("--why") { Description = "Reason shown by systemd-inhibit --list", Required = true };
        var domain = new Argument<string>("domain") { Description = "The libvirt domain the lock is for" }.DomainNames();
        var command = new Command("inhibit-hold", "Hold a logind inhibitor lock until stopped (run by systemd, not by hand)")
        {
            bus,
            what,
            why,
            domain,
        };
        command.Hidden = true;
        command.SetAction(result =>
        {
            using var stop = new ManualResetEventSlim();
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            try
            {
                using var connection = BusClient.Connect(result.GetValue(bus)!, TimeSpan.FromSeconds(10));
                var login = new LoginManager(connection);
                using var lockFd = login.Inhibit(result.GetValue(what)!, SleepInhibitorHandler.Who(result.GetValue(domain)!), result.GetValue(why)!, "block");
                result.InvocationConfiguration.Output.WriteLine($"holding the '{result.GetValue(what)}' inhibitor for {result.GetValue(domain)}");
                stop.Wait();
                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is DBusExceptionBase or BusTransportException or TimeoutException)
            {
                result.InvocationConfiguration.Error.WriteLine($"hookctl inhibit-hold: {e.Message}");
                return ExitCodes.ActionFailed;
            }

            void Stop(PosixSignalContext context)
            {
                context.Cancel = true;
                stop.Set();
            }
        });
        return command;
    }
}
