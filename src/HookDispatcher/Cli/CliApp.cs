using System.CommandLine;
using System.CommandLine.Help;
using HookDispatcher.Configuration;
using HookDispatcher.Hook;

namespace HookDispatcher.Cli;

/// <summary>The <c>hookctl</c> command line: one command per file, sharing <see cref="GlobalOptions"/>.</summary>
internal static class CliApp
{
    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var root = Build(args);
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

    /// <summary>The command tree; <paramref name="args"/>, when given, decides whether --help and --version exist.</summary>
    /// <remarks>
    /// Not a RootCommand: its constructor looks the executable's name up through reflection and builds the help and
    /// version options from the library's resources, about a millisecond of every hookctl call (perf, bench/README.md).
    /// The name is fixed, and the two options are added only when the command line holds one of their names, which is
    /// the only time they can take part in the parse (no action of ours reads them).
    /// </remarks>
    public static Command Build(IReadOnlyList<string>? args = null)
    {
        var root = new Command("hookctl",
            "HookDispatcher: the libvirt qemu hook for VFIO / GPU-passthrough hosts. Installed as /etc/libvirt/hooks/qemu it " +
            "applies the per-VM rules in the rules directory on prepare/start/started and undoes them on release.");
        if (args is null || args.Any(a => a is "-h" or "--help" or "-?" or "/h" or "/?"))
        {
            root.Options.Add(new HelpOption());
        }
        if (args is null || args.Contains("--version"))
        {
            root.Options.Add(new VersionOption());
        }
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
