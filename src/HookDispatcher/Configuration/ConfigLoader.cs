using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;

namespace HookDispatcher.Configuration;

/// <summary>
/// Reads the global configuration with Microsoft.Extensions.Configuration, in layers (later wins): the built-in
/// defaults, the main file, its <c>config.d/*.json</c> drop-ins in name order, then <c>HOOKDISPATCHER_</c> variables;
/// bound by the binder's source generator. Every layer is checked on its own first, so an error names the file (or
/// the variable) that holds the bad key; a missing default file means no main layer.
/// </summary>
internal static class ConfigLoader
{
    private const string DefaultsOrigin = "built-in defaults";

    /// <summary>Loads the layers of <paramref name="path"/> and the process environment.</summary>
    public static HookConfig Load(string path) => Load(path, ConfigSources.Environment());

    /// <summary>Loads the layers; throws <see cref="ConfigException"/> with a one-line message on bad content.</summary>
    public static HookConfig Load(string path, IReadOnlyList<KeyValuePair<string, string>> environment)
    {
        var layers = new List<Layer> { Defaults() };
        if (MainFileExists(path))
        {
            layers.Add(FileLayer(path));
        }
        foreach (var dropIn in ConfigSources.DropIns(path))
        {
            layers.Add(FileLayer(dropIn));
        }
        layers.Add(EnvironmentLayer(environment));
        var root = new ConfigurationRoot([.. layers.Select(layer => layer.Provider)]);
        foreach (var layer in layers)
        {
            layer.CheckKeys();
        }
        var options = new ConfigOptions();
        try
        {
            root.Bind(options);
        }
        catch (InvalidOperationException)
        {
            // The one key the binder converts: the others are strings.
            throw Winner(layers, ConfigKeys.LockTimeoutSeconds).Error(ConfigKeys.LockTimeoutSeconds, LockTimeoutExpected);
        }
        return new HookConfig(
            PathValue(layers, ConfigKeys.RulesDir, options.RulesDir),
            PathValue(layers, ConfigKeys.StateDir, options.StateDir),
            PathValue(layers, ConfigKeys.HostRoot, options.HostRoot),
            options.SystemBus ?? HookConfig.Defaults.SystemBus,
            PathValue(layers, ConfigKeys.JournalSocket, options.JournalSocket),
            LockTimeout(layers, options.LockTimeoutSeconds));
    }

    private const string LockTimeoutExpected = "expected a number of seconds in (0, 600]";

    private static bool MainFileExists(string path)
    {
        if (File.Exists(path))
        {
            return true;
        }
        if (Directory.Exists(path))
        {
            throw new ConfigException($"{path}: is a directory, not a config file");
        }
        if (path != HookConfig.DefaultPath)
        {
            throw new ConfigException($"{path}: config file not found");
        }
        return false;
    }

    private static Layer Defaults()
    {
        var d = HookConfig.Defaults;
        var provider = new MemoryConfigurationProvider(new MemoryConfigurationSource());
        provider.Set(ConfigKeys.RulesDir, d.RulesDir);
        provider.Set(ConfigKeys.StateDir, d.StateDir);
        provider.Set(ConfigKeys.HostRoot, d.HostRoot);
        provider.Set(ConfigKeys.SystemBus, d.SystemBus);
        provider.Set(ConfigKeys.JournalSocket, d.JournalSocket);
        provider.Set(ConfigKeys.LockTimeoutSeconds, d.LockTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture));
        return new Layer(DefaultsOrigin, provider, File: null, Names: null);
    }

    private static Layer FileLayer(string path)
    {
        if (ConfigSources.Unsafe(path) is { } refusal)
        {
            throw new ConfigException(refusal);
        }
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{path}: {e.Message.ReplaceLineEndings(" ")}");
        }
        return new Layer(path, new JsonLayerProvider(path, bytes), path, Names: null);
    }

    /// <summary>The variables as one layer; each key remembers the variable that set it, for the error message.</summary>
    private static Layer EnvironmentLayer(IReadOnlyList<KeyValuePair<string, string>> environment)
    {
        var provider = new MemoryConfigurationProvider(new MemoryConfigurationSource());
        var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in environment)
        {
            if (ConfigKeys.ForVariable(name) is not { } key)
            {
                throw new ConfigException(
                    $"{ConfigKeys.EnvironmentOrigin}: {name}: unknown setting (known: {string.Join(", ", ConfigKeys.All.Select(ConfigKeys.VariableName))}; {HookConfig.EnvironmentVariable} names the config file)");
            }
            if (!names.TryAdd(key, name))
            {
                throw new ConfigException($"{ConfigKeys.EnvironmentOrigin}: {names[key]} and {name} both set {key}");
            }
            provider.Set(key, value);
        }
        return new Layer(ConfigKeys.EnvironmentOrigin, provider, File: null, names);
    }

    /// <summary>The last layer that sets a key: the one whose value the binder took.</summary>
    private static Layer Winner(List<Layer> layers, string key) =>
        layers.FindLast(layer => layer.Provider.TryGet(key, out _))!;

    private static string PathValue(List<Layer> layers, string key, string? value)
    {
        var layer = Winner(layers, key);
        if (string.IsNullOrEmpty(value))
        {
            throw layer.Error(key, "expected a path");
        }
        if (layer.File is { } file)
        {
            return HookConfig.ResolveRelative(file, value);
        }
        // A variable has no file to be relative to, and the hook's working directory is whatever libvirtd's is.
        return Path.IsPathRooted(value) ? value : throw layer.Error(key, "expected an absolute path");
    }

    private static TimeSpan LockTimeout(List<Layer> layers, double? seconds) =>
        seconds is > 0 and <= 600
            ? TimeSpan.FromSeconds(seconds.Value)
            : throw Winner(layers, ConfigKeys.LockTimeoutSeconds).Error(ConfigKeys.LockTimeoutSeconds, LockTimeoutExpected);

    /// <param name="File">The config file of a file layer (relative paths are taken from it).</param>
    /// <param name="Names">The environment layer's variable names by key.</param>
    private sealed record Layer(string Origin, IConfigurationProvider Provider, string? File, Dictionary<string, string>? Names)
    {
        /// <summary>One line naming this layer, the key (or variable) and the value it holds.</summary>
        public ConfigException Error(string key, string expected)
        {
            Provider.TryGet(key, out var value);
            return new ConfigException($"{Origin}: {Names?.GetValueOrDefault(key) ?? key}: {expected}, got \"{value}\"");
        }

        /// <summary>A file's keys: only the six, spelled as documented, each a single value.</summary>
        public void CheckKeys()
        {
            if (File is null)
            {
                return;
            }
            foreach (var key in Provider.GetChildKeys([], parentPath: null).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                if (!ConfigKeys.All.Contains(key, StringComparer.Ordinal))
                {
                    throw new ConfigException($"{Origin}: unknown key \"{key}\" (known: {string.Join(", ", ConfigKeys.All)})");
                }
                if (Provider.GetChildKeys([], key).Any() || !Provider.TryGet(key, out var value) || value is null)
                {
                    throw new ConfigException($"{Origin}: {key}: expected a string or a number");
                }
            }
        }
    }
}
