using System.Text.Json;
using HookDispatcher.Configuration;

namespace HookDispatcher.Hook;

/// <summary>
/// The no-rules fast path runs for every event of every VM on the host, so it reads only the two directories it
/// needs with a forward-only scan of the config file, and nothing when the file is absent. The full
/// <see cref="ConfigLoader"/> (which validates everything) runs once a domain does have rules or state.
/// </summary>
internal static class FastConfig
{
    /// <summary>The two directories, or null when the file cannot be scanned (the full path then reports why).</summary>
    public static (string RulesDir, string StateDir)? Read(string configPath)
    {
        var defaults = HookConfig.Defaults;
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(configPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Missing or unreadable: the full loader reports it if this domain turns out to need it.
            return (defaults.RulesDir, defaults.StateDir);
        }
        string? rulesDir = null, stateDir = null;
        try
        {
            var reader = new Utf8JsonReader(bytes, ConfigLoader.ReaderOptions);
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
                {
                    var key = reader.GetString();
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        if (key == "rulesDir")
                        {
                            rulesDir = reader.GetString();
                        }
                        else if (key == "stateDir")
                        {
                            stateDir = reader.GetString();
                        }
                    }
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // A broken config must not be ignored: the full path reports it.
            return null;
        }
        if (rulesDir == "" || stateDir == "")
        {
            return null;
        }
        return (
            rulesDir is null ? defaults.RulesDir : HookConfig.ResolveRelative(configPath, rulesDir),
            stateDir is null ? defaults.StateDir : HookConfig.ResolveRelative(configPath, stateDir));
    }
}
