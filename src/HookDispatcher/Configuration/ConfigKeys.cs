namespace HookDispatcher.Configuration;

/// <summary>The six settings, as spelled in a config file, and their environment variable names.</summary>
internal static class ConfigKeys
{
    public const string RulesDir = "rulesDir";
    public const string StateDir = "stateDir";
    public const string HostRoot = "hostRoot";
    public const string SystemBus = "systemBus";
    public const string JournalSocket = "journalSocket";
    public const string LockTimeoutSeconds = "lockTimeoutSeconds";

    /// <summary>An environment variable <c>HOOKDISPATCHER_&lt;Key&gt;</c> (any case after the prefix) sets a key.</summary>
    public const string EnvironmentPrefix = "HOOKDISPATCHER_";

    public static readonly string[] All = [RulesDir, StateDir, HostRoot, SystemBus, JournalSocket, LockTimeoutSeconds];

    /// <summary>What an error names for a variable: the environment layer's origin.</summary>
    public const string EnvironmentOrigin = "environment";

    /// <summary>The known key an environment variable sets (matched without case, as the binder does), else null.</summary>
    public static string? ForVariable(string variable) =>
        Array.Find(All, key => variable.Length == EnvironmentPrefix.Length + key.Length
            && variable.AsSpan(EnvironmentPrefix.Length).Equals(key, StringComparison.OrdinalIgnoreCase));

    /// <summary>The documented spelling of a key's variable: HOOKDISPATCHER_StateDir for stateDir.</summary>
    public static string VariableName(string key) => EnvironmentPrefix + char.ToUpperInvariant(key[0]) + key[1..];
}
