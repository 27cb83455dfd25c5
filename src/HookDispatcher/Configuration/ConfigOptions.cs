namespace HookDispatcher.Configuration;

/// <summary>
/// What the configuration binder's source generator fills from the layers (no reflection). Every property is optional
/// in every layer: the built-in defaults are the first layer. No C# <c>required</c>: the generator breaks on it.
/// </summary>
internal sealed class ConfigOptions
{
    public string? RulesDir { get; set; }

    public string? StateDir { get; set; }

    public string? HostRoot { get; set; }

    public string? SystemBus { get; set; }

    public string? JournalSocket { get; set; }

    public double? LockTimeoutSeconds { get; set; }
}
