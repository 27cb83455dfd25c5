namespace HookDispatcher.Host;

/// <summary>
/// Whether systemd's AllowedCPUs= does anything here. It is the cgroup v2 cpuset controller's <c>cpuset.cpus</c>: on a
/// legacy (v1) or hybrid host (v2 mounted at /sys/fs/cgroup/unified, without controllers) systemd accepts the
/// property and ignores it, and reading it back shows the value, so nothing but this check notices. One answer for
/// doctor and for planning cpuIsolation.
/// </summary>
internal static class CgroupCpuset
{
    public const string ControllersPath = "/sys/fs/cgroup/cgroup.controllers";

    /// <summary>The controllers of the unified hierarchy at /sys/fs/cgroup; null when it is not cgroup v2 there.</summary>
    public static IReadOnlyList<string>? Controllers(IHostFs fs)
    {
        try
        {
            return fs.ReadText(ControllersPath).Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
        }
        catch (HostIoException e) when (e.Errno == Errno.ENOENT)
        {
            // Not there: no unified hierarchy at /sys/fs/cgroup. Any other failure to read is the host's, not an answer.
            return null;
        }
    }

    /// <summary>What is missing for AllowedCPUs to take effect, with what to do; null when nothing is.</summary>
    public static string? Missing(IHostFs fs) => Controllers(fs) switch
    {
        null => fs.Exists("/sys/fs/cgroup/unified/cgroup.controllers")
            ? $"this host runs the hybrid cgroup hierarchy (v1 controllers, v2 only at /sys/fs/cgroup/unified, no {fs.Resolve(ControllersPath)})"
            : $"this host is not on cgroup v2 (no {fs.Resolve(ControllersPath)})",
        var names when !names.Contains("cpuset") => $"the cgroup v2 hierarchy has no cpuset controller ({fs.Resolve(ControllersPath)}: {string.Join(' ', names)})",
        _ => null,
    };
}
