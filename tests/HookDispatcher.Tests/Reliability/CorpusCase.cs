using System.Text;

namespace HookDispatcher.Tests.Reliability;

/// <summary>
/// One bad input from <c>corpus/NAME.case</c>: a "# description" line, then "key: value" lines (args, exit,
/// stderr, outside-state), then "--- rule", "--- dropin", "--- state" and "--- xml" sections (raw bytes to the next
/// section). Defaults: args "vm prepare begin -", no rule file, the standard domain XML.
/// </summary>
internal sealed record CorpusCase(string Name, string Description, string[] Args, int Exit, string? Stderr, string? OutsideState,
    byte[]? Rule, byte[]? DropIn, byte[]? State, byte[]? Xml)
{
    public static string Directory { get; } = Path.Join(AppContext.BaseDirectory, "Reliability", "corpus");

    public static IEnumerable<string> Names() =>
        System.IO.Directory.GetFiles(Directory, "*.case").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal)!;

    public static CorpusCase Load(string name)
    {
        var bytes = File.ReadAllBytes(Path.Join(Directory, name + ".case"));
        var sections = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var marker = "\n--- "u8.ToArray();
        var first = IndexOf(bytes, marker, 0);
        var header = Encoding.UTF8.GetString(bytes, 0, first < 0 ? bytes.Length : first + 1);
        while (first >= 0)
        {
            var nameEnd = Array.IndexOf(bytes, (byte)'\n', first + marker.Length);
            var section = Encoding.UTF8.GetString(bytes, first + marker.Length, nameEnd - first - marker.Length);
            var next = IndexOf(bytes, marker, nameEnd);
            var end = next < 0 ? bytes.Length : next + 1;
            // The generator added one newline after each section's content.
            var content = bytes[(nameEnd + 1)..end];
            sections[section] = section == "xml" || content.Length == 0 ? content : content[..^1];
            first = next;
        }
        var lines = header.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string? Value(string key) => lines.FirstOrDefault(l => l.StartsWith(key + ":", StringComparison.Ordinal))?[(key.Length + 1)..].Trim();
        var args = Value("args") is { } a ? a.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(t => t == "''" ? "" : t).ToArray() : ["vm", "prepare", "begin", "-"];
        if (lines.Any(l => l == "args:"))
        {
            args = [];
        }
        return new CorpusCase(name, lines[0].TrimStart('#', ' '), args, int.Parse(Value("exit")!, System.Globalization.CultureInfo.InvariantCulture),
            Value("stderr"), Value("outside-state"), sections.GetValueOrDefault("rule"), sections.GetValueOrDefault("dropin"),
            sections.GetValueOrDefault("state"), sections.GetValueOrDefault("xml"));
    }

    private static int IndexOf(byte[] haystack, byte[] needle, int from)
    {
        var index = haystack.AsSpan(from).IndexOf(needle);
        return index < 0 ? -1 : from + index;
    }
}
