using System.Globalization;

namespace HookDispatcher.Host;

/// <summary>Read-only walks over /proc: processes by name, their start time, and the device files they hold open.</summary>
internal static class ProcScan
{
    /// <summary>The device files of a GPU driver's users: nvidia's /dev/nvidia* and DRM's /dev/dri/* nodes.</summary>
    public static readonly IReadOnlyList<string> GpuDeviceFiles = ["/dev/nvidia", "/dev/dri/"];

    /// <summary>The processes holding a GPU's device files open (see <see cref="GpuDeviceFiles"/>).</summary>
    public static IReadOnlyList<(int Pid, string Comm, string Path)> GpuUsers(IHostFs fs) => Holders(fs, GpuDeviceFiles);

    /// <summary>"Xorg (pid 1234) holds /dev/dri/card0, nvidia-smi (pid 99) holds /dev/nvidiactl" for one line.</summary>
    public static string Describe(IEnumerable<(int Pid, string Comm, string Path)> holders) =>
        string.Join(", ", holders.Select(h => $"{h.Comm} (pid {h.Pid}) holds {h.Path}"));

    /// <summary>USER_HZ: /proc/&lt;pid&gt;/stat counts start times in these ticks on every Linux architecture we run on.</summary>
    private const double TicksPerSecond = 100;

    public static IEnumerable<int> Pids(IHostFs fs)
    {
        IReadOnlyList<string> names;
        try
        {
            names = fs.ListDirectory("/proc");
        }
        catch (HostIoException)
        {
            yield break;
        }
        foreach (var name in names)
        {
            if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                yield return pid;
            }
        }
    }

    public static string? Comm(IHostFs fs, int pid) => TryRead(fs, $"/proc/{pid}/comm")?.Trim();

    /// <summary>When the process started (UTC), from field 22 of /proc/&lt;pid&gt;/stat and btime in /proc/stat.</summary>
    public static DateTime? StartTime(IHostFs fs, int pid)
    {
        var stat = TryRead(fs, $"/proc/{pid}/stat");
        var btime = TryRead(fs, "/proc/stat")?.Split('\n').FirstOrDefault(l => l.StartsWith("btime ", StringComparison.Ordinal));
        if (stat is null || btime is null)
        {
            return null;
        }
        // comm may hold spaces and parentheses: the fields after it start behind the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state), so field 22 (starttime) is fields[19].
        if (fields.Length < 20
            || !ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || !long.TryParse(btime[6..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var boot))
        {
            return null;
        }
        return DateTime.UnixEpoch.AddSeconds(boot + ticks / TicksPerSecond);
    }

    /// <summary>Every process with an open file whose path starts with one of the prefixes, with what it holds.</summary>
    public static IReadOnlyList<(int Pid, string Comm, string Path)> Holders(IHostFs fs, IReadOnlyList<string> prefixes)
    {
        var found = new List<(int, string, string)>();
        foreach (var pid in Pids(fs))
        {
            IReadOnlyList<string> fds;
            try
            {
                fds = fs.ListDirectory($"/proc/{pid}/fd");
            }
            catch (HostIoException)
            {
                continue; // gone, or not ours to read
            }
            foreach (var fd in fds)
            {
                string? target;
                try
                {
                    target = fs.ReadLink($"/proc/{pid}/fd/{fd}");
                }
                catch (HostIoException)
                {
                    continue;
                }
                if (target is not null && prefixes.Any(p => target.StartsWith(p, StringComparison.Ordinal)))
                {
                    found.Add((pid, Comm(fs, pid) ?? "?", target));
                    break;
                }
            }
        }
        return found;
    }

    public static string? TryRead(IHostFs fs, string path)
    {
        try
        {
            return fs.Exists(path) ? fs.ReadText(path) : null;
        }
        catch (HostIoException)
        {
            return null;
        }
    }
}
