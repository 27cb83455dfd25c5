using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace HookDispatcher.Configuration;

/// <summary>Reads the global config with Microsoft.Extensions.Configuration.Json; a missing file means defaults.</summary>
internal static class ConfigLoader
{
    private static readonly string[] KnownKeys =
        ["rulesDir", "stateDir", "hostRoot", "systemBus", "journalSocket", "lockTimeoutSeconds"];

    /// <summary>Loads the file; throws <see cref="ConfigException"/> with a one-line message on bad content.</summary>
    public static HookConfig Load(string path)
    {
        if (!File.Exists(path))
        {
            if (path != HookConfig.DefaultPath)
            {
                throw new ConfigException($"{path}: config file not found");
            }
            return HookConfig.Defaults;
        }
        RefuseUnsafe(path);
        IConfigurationRoot root;
        try
        {
            root = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(path), optional: false, reloadOnChange: false).Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or IOException)
        {
            throw new ConfigException($"{path}: {OneLine(e)}");
        }
        foreach (var section in root.GetChildren())
        {
            if (!KnownKeys.Contains(section.Key, StringComparer.Ordinal))
            {
                throw new ConfigException($"{path}: unknown key \"{section.Key}\" (known: {string.Join(", ", KnownKeys)})");
            }
        }
        var d = HookConfig.Defaults;
        return new HookConfig(
            AbsolutePath(path, root, "rulesDir", d.RulesDir),
            AbsolutePath(path, root, "stateDir", d.StateDir),
            AbsolutePath(path, root, "hostRoot", d.HostRoot),
            root["systemBus"] ?? d.SystemBus,
            AbsolutePath(path, root, "journalSocket", d.JournalSocket),
            LockTimeout(path, root["lockTimeoutSeconds"], d.LockTimeout));
    }

    /// <summary>
    /// The config names the rules and state directories and the host root of a hook that runs as root: like a rule
    /// file, it counts only when nobody but root could have written it.
    /// </summary>
    private static void RefuseUnsafe(string path)
    {
        if (Rules.RuleFileStat.TryStat(path, out var mode, out var uid, out _) is { } errno)
        {
            throw new ConfigException($"{path}: refused: cannot stat: {errno}");
        }
        if (uid != 0 || (mode & 0x12 /* 0022 */) != 0)
        {
            throw new ConfigException(FormattableString.Invariant(
                $"{path}: refused: must be owned by root and not writable by group or others (owner uid {uid}, mode {Rules.RuleFileStat.Octal(mode)}); chown root:root and chmod 644 it"));
        }
    }

    private static string AbsolutePath(string file, IConfiguration root, string key, string fallback)
    {
        var value = root[key];
        if (value is null)
        {
            return fallback;
        }
        if (value.Length == 0)
        {
            throw new ConfigException($"{file}: {key}: expected a path, got \"\"");
        }
        return HookConfig.ResolveRelative(file, value);
    }

    private static TimeSpan LockTimeout(string file, string? value, TimeSpan fallback)
    {
        if (value is null)
        {
            return fallback;
        }
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds <= 0 || seconds > 600)
        {
            throw new ConfigException($"{file}: lockTimeoutSeconds: expected a number of seconds in (0, 600], got \"{value}\"");
        }
        return TimeSpan.FromSeconds(seconds);
    }

    private static string OneLine(Exception e) =>
        (e.InnerException?.Message ?? e.Message).ReplaceLineEndings(" ");
}
