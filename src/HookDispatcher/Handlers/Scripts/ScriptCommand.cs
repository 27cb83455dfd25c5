using System.Text.Json;

namespace HookDispatcher.Handlers.Scripts;

/// <summary>An argv as messages show it, and as state files of formats 1 to 3 kept it.</summary>
internal static class ScriptCommand
{
    /// <summary>An argv as formats 1 to 3 kept it: a JSON array in one string value.</summary>
    public static IReadOnlyList<string> Decode(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var argv = document.RootElement.EnumerateArray().Select(e => e.GetString() ?? "").ToList();
            return argv.Count > 0 ? argv : throw new InvalidDataException("empty command");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"state record holds a malformed command '{json}': {e.Message}", e);
        }
    }

    public static IReadOnlyList<string> WithDomain(IReadOnlyList<string> argv, string domain) =>
        argv.Select(a => a.Replace("{domain}", domain, StringComparison.Ordinal)).ToList();

    /// <summary>Shell-like: plain words bare, anything else in single quotes.</summary>
    public static string Show(IReadOnlyList<string> argv) => string.Join(' ', argv.Select(Quote));

    private static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '-' or '_' or '.' or ':' or '=' or ',' or '@' or '+')
            ? arg
            : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
