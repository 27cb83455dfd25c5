using System.Text;

namespace HookDispatcher.DBus;

/// <summary>
/// One entry of a D-Bus address list ("unix:path=/run/dbus/system_bus_socket;unix:abstract=/tmp/dbus-x,guid=…").
/// Only the unix transport is supported; values are %-unescaped.
/// </summary>
internal sealed record DBusAddress(string? Path, string? Abstract)
{
    public static IReadOnlyList<DBusAddress> Parse(string addresses)
    {
        var result = new List<DBusAddress>();
        foreach (var entry in addresses.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = entry.IndexOf(':');
            if (colon < 0)
            {
                throw new FormatException($"D-Bus address '{entry}' has no transport (expected 'unix:path=…')");
            }
            if (entry[..colon] != "unix")
            {
                throw new FormatException($"D-Bus address '{entry}': only the unix transport is supported");
            }
            string? path = null;
            string? abstractName = null;
            foreach (var pair in entry[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=');
                if (equals <= 0)
                {
                    throw new FormatException($"D-Bus address '{entry}': '{pair}' is not key=value");
                }
                var value = Unescape(pair[(equals + 1)..], entry);
                switch (pair[..equals])
                {
                    case "path": path = value; break;
                    case "abstract": abstractName = value; break;
                }
            }
            if ((path is null) == (abstractName is null))
            {
                throw new FormatException($"D-Bus address '{entry}' needs exactly one of path= or abstract=");
            }
            result.Add(new DBusAddress(path, abstractName));
        }
        return result.Count > 0 ? result : throw new FormatException($"D-Bus address '{addresses}' is empty");
    }

    private static string Unescape(string value, string entry)
    {
        if (!value.Contains('%'))
        {
            return value;
        }
        var bytes = new List<byte>();
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] != '%')
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(value[i].ToString()));
                continue;
            }
            if (i + 2 >= value.Length || !byte.TryParse(value.AsSpan(i + 1, 2), System.Globalization.NumberStyles.HexNumber, null, out var b))
            {
                throw new FormatException($"D-Bus address '{entry}' has a bad %-escape at {i}");
            }
            bytes.Add(b);
            i += 2;
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    public override string ToString() => Path is not null ? $"unix:path={Path}" : $"unix:abstract={Abstract}";
}
