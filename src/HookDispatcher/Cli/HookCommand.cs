using System.CommandLine;
using HookDispatcher.Hook;

namespace HookDispatcher.Cli;

/// <summary>
/// <c>hookctl hook DOMAIN OP SUBOP EXTRA</c>: the hook path run explicitly. Program.Main takes it before the
/// parser is built; this entry exists for --help and for option orders Main does not recognise.
/// </summary>
internal static class HookCommand
{
    public static Command Create()
    {
        var args = new Argument<string[]>("args")
        {
            Description = "DOMAIN OPERATION SUB-OPERATION EXTRA, exactly as libvirt passes them (\"-\" for none)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command("hook", "Run the libvirt hook for one event, reading the domain XML on stdin.\n" +
            "Example:\n  virsh dumpxml win11 | hookctl hook win11 prepare begin -")
        {
            args,
        };
        command.SetAction(result => HookEntry.Run(result.GetValue(args) ?? [], result.GetValue(GlobalOptions.Config)));
        return command;
    }
}
