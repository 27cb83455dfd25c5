using System.Globalization;

namespace HookDispatcher.Host;

/// <summary>
/// User and group names as the host's <c>/etc/passwd</c> and <c>/etc/group</c> list them (read through the host
/// root, so a simulated host has its own). Names held only in LDAP/SSSD are not seen: a number works for those.
/// </summary>
internal sealed class Accounts(IHostFs fs)
{
    /// <summary>The uid of <paramref name="user"/> (a name or a number); null when /etc/passwd does not list it.</summary>
    public uint? Uid(string user) => Lookup("/etc/passwd", user);

    /// <summary>The gid of <paramref name="group"/> (a name or a number); null when /etc/group does not list it.</summary>
    public uint? Gid(string group) => Lookup("/etc/group", group);

    private uint? Lookup(string file, string name)
    {
        if (uint.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }
        if (!fs.Exists(file))
        {
            return null;
        }
        foreach (var line in fs.ReadText(file).Split('\n'))
        {
            // name:password:id:… (passwd(5), group(5))
            var fields = line.Split(':');
            if (fields.Length >= 3 && fields[0] == name && uint.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                return id;
            }
        }
        return null;
    }
}
