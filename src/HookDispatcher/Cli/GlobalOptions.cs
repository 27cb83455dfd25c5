using System.CommandLine;
using HookDispatcher.Configuration;
using HookDispatcher.Hook;
using HookDispatcher.Rules;

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

    /// <summary>
    /// Refuses, at parse time (one line, exit 2, nothing touched), a domain name that could lead out of the rules or
    /// state directory; the command's action never sees one.
    /// </summary>
    public static TArgument DomainNames<TArgument>(this TArgument argument) where TArgument : Argument
    {
        argument.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (!RuleLoader.IsValidDomainName(token.Value, out var error))
                {
                    result.AddError(error);
                }
            }
        });
        return argument;
    }

    /// <summary>
    /// Sets the command's action to run with the services wired from the config in force and the invocation's
    /// output and error writers; a config that cannot be loaded is reported in one line and exits 2.
    /// </summary>
    public static void SetServicesAction(this Command command, Func<ParseResult, Services, TextWriter, TextWriter, int> action) =>
        command.SetAction(result =>
        {
            var output = result.InvocationConfiguration.Output;
            var error = result.InvocationConfiguration.Error;
            return Load(result, error) is { } services ? action(result, services, output, error) : ExitCodes.Invalid;
        });

    /// <summary>Loads the config for a command, reporting a bad file as one line.</summary>
    private static Services? Load(ParseResult result, TextWriter stderr)
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
