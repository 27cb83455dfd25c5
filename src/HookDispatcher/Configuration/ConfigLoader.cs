using System.Globalization;
using System.Buffers;
using System.Text;
using System.Text.Json;

namespace HookDispatcher.Configuration;

/// <summary>Reads the global config file (flat JSON, six optional keys); a missing file means defaults.</summary>
internal static class ConfigLoader
{
    private static readonly string[] KnownKeys =
        ["rulesDir", "stateDir", "hostRoot", "systemBus", "journalSocket", "lockTimeoutSeconds"];

    /// <summary>The config file's JSON: comments and trailing commas allowed, as in appsettings files.</summary>
    public static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Loads the file; throws <see cref="ConfigException"/> with a one-line message on bad content.</summary>
    public static HookConfig Load(string path)
    {
        if (!File.Exists(path))
        {
            if (Directory.Exists(path))
            {
                throw new ConfigException($"{path}: is a directory, not a config file");
            }
            if (path != HookConfig.DefaultPath)
            {
                throw new ConfigException($"{path}: config file not found");
            }
            return HookConfig.Defaults;
        }
        RefuseUnsafe(path);
        var values = Read(path);
        var d = HookConfig.Defaults;
        return new HookConfig(
            AbsolutePath(path, values, "rulesDir", d.RulesDir),
            AbsolutePath(path, values, "stateDir", d.StateDir),
            AbsolutePath(path, values, "hostRoot", d.HostRoot),
            values.GetValueOrDefault("systemBus") ?? d.SystemBus,
            AbsolutePath(path, values, "journalSocket", d.JournalSocket),
            LockTimeout(path, values.GetValueOrDefault("lockTimeoutSeconds"), d.LockTimeout));
    }

    /// <summary>
    /// The top-level keys and their scalar values, read with a forward-only JSON reader (comments and trailing
    /// commas allowed, as in appsettings files). A small reader of our own rather than Microsoft.Extensions
    /// .Configuration: six flat keys do not need its file providers and binder, which cost the binary ~0.4 MB.
    /// </summary>
    private static Dictionary<string, string> Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{path}: {e.Message.ReplaceLineEndings(" ")}");
        }
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            var reader = new Utf8JsonReader(bytes, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new ConfigException($"{path}: expected a JSON object at the top");
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var key = reader.GetString()!;
                if (!KnownKeys.Contains(key, StringComparer.Ordinal))
                {
                    throw new ConfigException($"{path}: unknown key \"{key}\" (known: {string.Join(", ", KnownKeys)})");
                }
                if (!values.TryAdd(key, Scalar(path, key, ref reader)))
                {
                    throw new ConfigException($"{path}: duplicate key \"{key}\"");
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                throw new ConfigException($"{path}: unexpected content after the top-level object");
            }
        }
        catch (JsonException e)
        {
            throw new ConfigException(FormattableString.Invariant(
                $"{path}: line {(e.LineNumber ?? 0) + 1}: not valid JSON: {e.Message.ReplaceLineEndings(" ")}"));
        }
        return values;
    }

    private static string Scalar(string path, string key, ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString()!,
            JsonTokenType.Number => Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan),
            _ => throw new ConfigException($"{path}: {key}: expected a string or a number, got {reader.TokenType.ToString().ToLowerInvariant()}"),
        };
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

    private static string AbsolutePath(string file, Dictionary<string, string> values, string key, string fallback)
    {
        var value = values.GetValueOrDefault(key);
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

}
