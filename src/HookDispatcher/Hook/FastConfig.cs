using System.Text.Json;
using HookDispatcher.Configuration;

namespace HookDispatcher.Hook;

/// <summary>
/// The no-rules fast path runs for every event of every VM on the host, so it reads only the directories it needs,
/// from the same layers as <see cref="ConfigLoader"/> (main file, <c>config.d/</c>, environment), with a forward-only
/// scan and no configuration objects. It is lenient: what it cannot read it skips and says so in
/// <see cref="ConfigDirs.Complete"/>; the full loader (which validates everything) then runs and reports why. A release
/// with a broken config uses what it did find to reach the domain's state.
/// </summary>
internal static class FastConfig
{
    private static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private static readonly string[] Keys = [ConfigKeys.RulesDir, ConfigKeys.StateDir, ConfigKeys.HostRoot];

    /// <summary>The directories of the config in force and the process environment.</summary>
    public static ConfigDirs Read(string configPath) => Read(configPath, ConfigSources.Environment());

    public static ConfigDirs Read(string configPath, IReadOnlyList<KeyValuePair<string, string>> environment)
    {
        var d = HookConfig.Defaults;
        string[] values = [d.RulesDir, d.StateDir, d.HostRoot];
        var complete = ScanFile(configPath, values, missingIsFine: true);
        foreach (var dropIn in ConfigSources.DropIns(configPath))
        {
            complete &= ScanFile(dropIn, values, missingIsFine: false);
        }
        var seen = new bool[Keys.Length];
        foreach (var (name, value) in environment)
        {
            var i = Array.IndexOf(Keys, ConfigKeys.ForVariable(name));
            if (i < 0)
            {
                continue;
            }
            if (seen[i] || !Path.IsPathRooted(value))
            {
                complete = false;
                continue;
            }
            seen[i] = true;
            values[i] = value;
        }
        return new ConfigDirs(values[0], values[1], values[2], complete);
    }

    /// <summary>
    /// Takes the file's directories into <paramref name="values"/>; false when the file was unsafe, unreadable or
    /// not valid JSON, or held a directory the full loader would refuse (what came before a syntax error is kept).
    /// </summary>
    private static bool ScanFile(string path, string[] values, bool missingIsFine)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // A missing explicit file is the full loader's to report, when this domain turns out to need it.
            return missingIsFine;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        if (ConfigSources.Unsafe(path) is not null)
        {
            return false;
        }
        var complete = true;
        var seen = new bool[Keys.Length];
        try
        {
            var reader = new Utf8JsonReader(bytes, ReaderOptions);
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
                {
                    continue;
                }
                var key = reader.GetString()!;
                var i = Array.FindIndex(Keys, k => k.Equals(key, StringComparison.OrdinalIgnoreCase));
                reader.Read();
                if (i >= 0)
                {
                    // Another spelling, a second time, a non-string or an empty one: the full loader refuses each.
                    if (Keys[i] != key || seen[i] || reader.TokenType != JsonTokenType.String || reader.GetString() is not { Length: > 0 } value)
                    {
                        complete = false;
                    }
                    else
                    {
                        values[i] = HookConfig.ResolveRelative(path, value);
                    }
                    seen[i] = true;
                }
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            return false;
        }
        return complete;
    }
}

/// <summary>The directories the fast path found, and whether every layer could be read as the full loader would.</summary>
internal readonly record struct ConfigDirs(string RulesDir, string StateDir, string HostRoot, bool Complete)
{
    /// <summary>A config for a release or reconnect whose config cannot be loaded: these directories, else defaults.</summary>
    public HookConfig Lenient() => HookConfig.Defaults with { RulesDir = RulesDir, StateDir = StateDir, HostRoot = HostRoot };
}
