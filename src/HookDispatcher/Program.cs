using HookDispatcher.Cli;
using HookDispatcher.Hook;
using HookDispatcher.Host;

namespace HookDispatcher;

internal static class Program
{
    public static int Main(string[] args)
    {
        // Installed as /etc/libvirt/hooks/qemu (a symlink keeps argv[0]): the hook, on its fast path.
        if (Path.GetFileName(Environment.GetCommandLineArgs()[0]) == "qemu")
        {
            return HookEntry.Run(args, configPath: null);
        }
        if (args is [ChildDriverWrites.Command, var path, var value])
        {
            // The hook's own child for a driver-core write it must be able to abandon (Host/DriverWrites.cs).
            return ChildDriverWrites.Run(path, value, Console.Error);
        }
        if (args is ["hook", .. var hookArgs])
        {
            return HookEntry.Run(hookArgs, configPath: null);
        }
        if (args is ["--config", var config, "hook", .. var configuredHookArgs])
        {
            return HookEntry.Run(configuredHookArgs, config);
        }
        return CliApp.Run(args);
    }
}
