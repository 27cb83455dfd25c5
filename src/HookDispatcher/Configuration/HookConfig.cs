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

    /// <summary>The config file in force: --config, else $HOOKDISPATCHER_CONFIG, else the default path.</summary>
    public static string ResolvePath(string? explicitPath) =>
        !string.IsNullOrEmpty(explicitPath) ? explicitPath
        : Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnv ? fromEnv
        : DefaultPath;
}
