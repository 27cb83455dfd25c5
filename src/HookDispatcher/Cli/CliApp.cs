using System.CommandLine;
using HookDispatcher.Configuration;
using HookDispatcher.Hook;

namespace HookDispatcher.Cli;

/// <summary>The <c>hookctl</c> command line: one command per file, sharing <see cref="GlobalOptions"/>.</summary>
internal static class CliApp
{
    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var root = Build();
        var config = new InvocationConfiguration
        {
            Output = stdout ?? Console.Out,
            Error = stderr ?? Console.Error,
        };
        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (var error in result.Errors)
            {
                config.Error.WriteLine($"hookctl: {error.Message}");
            }
            config.Error.WriteLine("Run 'hookctl --help' for usage.");
            return ExitCodes.Invalid;
        }
        return result.Invoke(config);
    }

    public static RootCommand Build()
    {
        var root = new RootCommand(
            "HookDispatcher: the libvirt qemu hook for VFIO / GPU-passthrough hosts. Installed as /etc/libvirt/hooks/qemu it " +
            "applies the per-VM rules in the rules directory on prepare/start/started and undoes them on release.");
        root.Options.Add(GlobalOptions.Config);
        root.Options.Add(GlobalOptions.Verbose);
        root.Subcommands.Add(HookCommand.Create());
        root.Subcommands.Add(TestCommand.Create());
        root.Subcommands.Add(ValidateCommand.Create());
        root.Subcommands.Add(DoctorCommand.Create());
        root.Subcommands.Add(PinCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(ReleaseCommand.Create());
        root.Subcommands.Add(ForgetCommand.Create());
        root.Subcommands.Add(InhibitHoldCommand.Create());
        root.Subcommands.Add(JournalTestCommand.Create());
        return root;
    }
}
