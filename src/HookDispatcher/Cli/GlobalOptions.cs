using System.CommandLine;
using HookDispatcher.Configuration;
using HookDispatcher.Hook;

namespace HookDispatcher.Cli;

internal static class GlobalOptions
{
    public static readonly Option<string?> Config = new("--config")
    {
        Description = $"Global config file (default ${HookConfig.EnvironmentVariable}, else {HookConfig.DefaultPath})",
        Recursive = true,
    };

    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Log debug messages too",
        Recursive = true,
    };

    /// <summary>Loads the config for a command, reporting a bad file as one line.</summary>
    public static Services? Load(ParseResult result, TextWriter stderr)
    {
        try
        {
            var config = ConfigLoader.Load(HookConfig.ResolvePath(result.GetValue(Config)));
            return Services.Create(config, result.GetValue(Verbose));
        }
        catch (ConfigException e)
        {
            stderr.WriteLine($"hookctl: {e.Message}");
            return null;
        }
    }
}
