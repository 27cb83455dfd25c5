using System.Globalization;
using System.Text;

namespace HookDispatcher.Host;

/// <summary>
/// Whether libvirt's QEMU for a domain still runs, from what libvirt and systemd leave on the host (never by asking
/// libvirt: the hook must not call it): the pid file libvirt's qemu driver writes, naming a live process, or the
/// domain's machine scope still present under machine.slice.
/// </summary>
internal static class RunningQemu
{
    public const string PidDirectory = "/run/libvirt/qemu";
    public const string MachineSlice = "/sys/fs/cgroup/machine.slice";

    /// <summary>One line saying why the domain's QEMU looks alive; null when nothing says so.</summary>
    public static string? Evidence(IHostFs fs, string domain)
    {
        var pidFile = $"{PidDirectory}/{domain}.pid";
        try
        {
            if (fs.Exists(pidFile) &&
                int.TryParse(fs.ReadText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0 &&
                fs.Exists(FormattableString.Invariant($"/proc/{pid}")))
            {
                return FormattableString.Invariant($"its QEMU runs as pid {pid} ({fs.Resolve(pidFile)})");
            }
            if (fs.Exists(MachineSlice))
            {
                var scope = fs.ListDirectory(MachineSlice).FirstOrDefault(name => IsScopeOf(name, domain));
                if (scope is not null)
                {
                    return $"its machine scope {scope} is active";
                }
            }
        }
        catch (HostIoException)
        {
            // A file that vanished while looking (QEMU exiting) says nothing either way.
        }
        return null;
    }

    /// <summary>
    /// libvirt names the scope <c>machine-qemu\x2d&lt;id&gt;\x2d&lt;name&gt;.scope</c>, the name reduced to hostname
    /// characters (virDomainMachineNameAppendValid: runs of '.'/'-' collapse, leading/trailing ones go, at most 64
    /// characters in all) and systemd-escaped.
    /// </summary>
    public static bool IsScopeOf(string scope, string domain)
    {
        if (!scope.StartsWith("machine-", StringComparison.Ordinal) || !scope.EndsWith(".scope", StringComparison.Ordinal))
        {
            return false;
        }
        var machine = Unescape(scope["machine-".Length..^".scope".Length]);
        if (!machine.StartsWith("qemu-", StringComparison.Ordinal))
        {
            return false;
        }
        var dash = machine.IndexOf('-', 5);
        if (dash <= 5 || machine.AsSpan(5, dash - 5).ContainsAnyExceptInRange('0', '9'))
        {
            return false;
        }
        var prefix = machine[..(dash + 1)];
        return machine == MachineName(prefix, domain);
    }

    private static string MachineName(string prefix, string domain)
    {
        const string HostnameChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";
        var name = new StringBuilder(prefix);
        var skip = true;
        foreach (var c in domain)
        {
            if (name.Length >= 64)
            {
                break;
            }
            if (c is '.' or '-')
            {
                if (!skip)
                {
                    name.Append(c);
                }
                skip = true;
                continue;
            }
            if (HostnameChars.Contains(c, StringComparison.Ordinal))
            {
                name.Append(c);
                skip = false;
            }
        }
        return name.ToString().TrimEnd('-', '.');
    }

    private static string Unescape(string escaped)
    {
        var result = new StringBuilder();
        for (var i = 0; i < escaped.Length; i++)
        {
            if (escaped[i] == '\\' && i + 3 < escaped.Length && escaped[i + 1] == 'x' &&
                byte.TryParse(escaped.AsSpan(i + 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b))
            {
                result.Append((char)b);
                i += 3;
            }
            else
            {
                result.Append(escaped[i]);
            }
        }
        return result.ToString();
    }
}
