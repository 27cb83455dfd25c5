namespace HookDispatcher.Configuration;

/// <summary>The global configuration (/etc/hookdispatcher/config.json).</summary>
internal sealed record HookConfig(
    string RulesDir,
    string StateDir,
    string HostRoot,
    string SystemBus,
    string JournalSocket,
    TimeSpan LockTimeout)
{
    public const string DefaultPath = "/etc/hookdispatcher/config.json";
    public const string EnvironmentVariable = "HOOKDISPATCHER_CONFIG";
    public const string DefaultRulesDir = "/etc/hookdispatcher/hooks.d";

    public static HookConfig Defaults { get; } = new(
        DefaultRulesDir,
        "/run/hookdispatcher",
        "/",
        "unix:path=/run/dbus/system_bus_socket",
        "/run/systemd/journal/socket",
        TimeSpan.FromSeconds(30));

    /// <summary>A path from the config file: relative ones are taken from the file's own directory.</summary>
    public static string ResolveRelative(string configFile, string value) =>
        Path.IsPathRooted(value) ? value : Path.GetFullPath(Path.Join(Path.GetDirectoryName(Path.GetFullPath(configFile)), value));

    /// <summary>The config file in force: --config, else $HOOKDISPATCHER_CONFIG, else the default path.</summary>
    public static string ResolvePath(string? explicitPath) =>
        !string.IsNullOrEmpty(explicitPath) ? explicitPath
        : Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnv ? fromEnv
        : DefaultPath;
}
