using System.Collections;

namespace HookDispatcher.Configuration;

/// <summary>
/// Where the layers come from, for the full loader and the fast path alike: the main file, the drop-ins in
/// <c>config.d/</c> beside it in ordinal name order, and the <c>HOOKDISPATCHER_</c> environment variables.
/// </summary>
internal static class ConfigSources
{
    public const string DropInDirectory = "config.d";

    /// <summary>The drop-ins of a main config file, in the order they apply (later wins); none without the directory.</summary>
    public static string[] DropIns(string mainPath)
    {
        var dir = Path.Join(Path.GetDirectoryName(Path.GetFullPath(mainPath)), DropInDirectory);
        if (!Directory.Exists(dir))
        {
            return [];
        }
        var files = Directory.GetFiles(dir, "*.json");
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    /// <summary>
    /// The process's variables with the prefix, by name in ordinal order; <c>HOOKDISPATCHER_CONFIG</c> is left out:
    /// it names the main file, it is not a key.
    /// </summary>
    public static KeyValuePair<string, string>[] Environment() => Environment(System.Environment.GetEnvironmentVariables());

    public static KeyValuePair<string, string>[] Environment(IDictionary variables)
    {
        var found = new List<KeyValuePair<string, string>>();
        foreach (DictionaryEntry entry in variables)
        {
            if (entry.Key is string name && name.StartsWith(ConfigKeys.EnvironmentPrefix, StringComparison.Ordinal)
                && name != HookConfig.EnvironmentVariable)
            {
                found.Add(new(name, entry.Value as string ?? ""));
            }
        }
        found.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return [.. found];
    }

    /// <summary>
    /// A config file names the rules and state directories and the host root of a hook that runs as root: like a
    /// rule file, it counts only when nobody but root could have written it. Null when it is safe, else why not.
    /// </summary>
    public static string? Unsafe(string path)
    {
        if (Rules.RuleFileStat.TryStat(path, out var mode, out var uid, out _) is { } errno)
        {
            return $"{path}: refused: cannot stat: {errno}";
        }
        if (uid != 0 || (mode & 0x12 /* 0022 */) != 0)
        {
            return FormattableString.Invariant(
                $"{path}: refused: must be owned by root and not writable by group or others (owner uid {uid}, mode {Rules.RuleFileStat.Octal(mode)}); chown root:root and chmod 644 it");
        }
        return null;
    }
}
