using System.Text;
using System.Text.Json;

namespace HookDispatcher.Handlers.Scripts;

/// <summary>An argv as a state record keeps it (a JSON array in one string value) and as messages show it.</summary>
internal static class ScriptCommand
{
    public static string Encode(IReadOnlyList<string> argv)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var arg in argv)
            {
                writer.WriteStringValue(arg);
            }
            writer.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

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
