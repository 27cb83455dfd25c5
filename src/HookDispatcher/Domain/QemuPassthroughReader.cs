using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace HookDispatcher.Domain;

/// <summary>
/// What the domain XML hands to QEMU past libvirt (formatdomain, "QEMU command-line passthrough"): the files of
/// <c>memory-backend-file</c> objects in <c>&lt;qemu:commandline&gt;&lt;qemu:arg value&gt;</c>, in QEMU's key=value
/// syntax (<c>memory-backend-file,id=looking-glass,mem-path=/dev/kvmfr0,size=64M,share=yes</c>) or its JSON syntax
/// (<c>{'qom-type':'memory-backend-file',…,'mem-path':'/dev/kvmfr0','size':67108864}</c>; QEMU's parser, and so
/// looking-glass.io's example, takes single quotes too), and the path-valued properties of
/// <c>&lt;qemu:override&gt;&lt;qemu:device alias&gt;&lt;qemu:frontend&gt;&lt;qemu:property name value/&gt;</c>.
/// Only read, never refused: QEMU, not the hook, owns these arguments.
/// </summary>
internal static partial class QemuPassthroughReader
{
    public const string Namespace = "http://libvirt.org/schemas/domain/qemu/1.0";

    private const string FileBackend = "memory-backend-file";

    public static IReadOnlyList<QemuMemoryFile> Read(XElement root)
    {
        XNamespace qemu = Namespace;
        var files = new List<QemuMemoryFile>();
        foreach (var arg in root.Elements(qemu + "commandline").Elements(qemu + "arg"))
        {
            if ((string?)arg.Attribute("value") is { } value && Backend(value) is { } file)
            {
                files.Add(file);
            }
        }
        foreach (var device in root.Elements(qemu + "override").Elements(qemu + "device"))
        {
            foreach (var property in device.Elements(qemu + "frontend").Elements(qemu + "property"))
            {
                if ((string?)property.Attribute("value") is { } value && value.StartsWith('/'))
                {
                    files.Add(new QemuMemoryFile(value, null,
                        $"<qemu:override> device '{(string?)device.Attribute("alias")}' property '{(string?)property.Attribute("name")}'"));
                }
            }
        }
        return files;
    }

    /// <summary>A <c>-object</c> argument's memory-backend-file, or null for any other argument.</summary>
    private static QemuMemoryFile? Backend(string value)
    {
        var text = value.Trim();
        var keys = text.StartsWith('{') ? Json(text) : KeyValues(text);
        if (keys.GetValueOrDefault("qom-type") != FileBackend || keys.GetValueOrDefault("mem-path") is not { Length: > 0 } path)
        {
            return null;
        }
        var id = keys.GetValueOrDefault("id");
        return new QemuMemoryFile(path, keys.TryGetValue("size", out var size) ? Size(size) : null,
            $"<qemu:commandline> {FileBackend}{(id is null ? "" : $" id={id}")}");
    }

    /// <summary>QEMU's option syntax: the first bare word is the implied qom-type; ",," is a comma in a value.</summary>
    private static Dictionary<string, string> KeyValues(string text)
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        var parts = text.Replace(",,", "\0", StringComparison.Ordinal).Split(',');
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i].Replace('\0', ',');
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                keys[part[..equals]] = part[(equals + 1)..];
            }
            else if (i == 0)
            {
                keys["qom-type"] = part;
            }
        }
        return keys;
    }

    private static Dictionary<string, string> Json(string text)
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match member in JsonMember().Matches(text))
        {
            keys[member.Groups["key"].Value] = member.Groups["text"].Success ? member.Groups["text"].Value : member.Groups["number"].Value;
        }
        return keys;
    }

    /// <summary>QEMU's size syntax: bytes, or a number with a binary suffix (K, M, G, T); null when it is neither.</summary>
    private static ulong? Size(string text)
    {
        var match = SizePattern().Match(text.Trim());
        if (!match.Success || !ulong.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return null;
        }
        var shift = match.Groups[2].Value.ToUpperInvariant() switch
        {
            "K" => 10,
            "M" => 20,
            "G" => 30,
            "T" => 40,
            _ => 0,
        };
        return number <= ulong.MaxValue >> shift ? number << shift : null;
    }

    [GeneratedRegex("""["'](?<key>[A-Za-z0-9_-]+)["']\s*:\s*(?:["'](?<text>[^"']*)["']|(?<number>\d+))""")]
    private static partial Regex JsonMember();

    [GeneratedRegex(@"^(\d+)\s*([KkMmGgTtBb]?)\z")]
    private static partial Regex SizePattern();
}
