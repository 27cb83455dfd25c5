using System.Globalization;
using System.Text.RegularExpressions;
using HookDispatcher.Configuration;
using HookDispatcher.Handlers.Gpu;
using HookDispatcher.Host;

namespace HookDispatcher.Doctor;

/// <summary>
/// Host checks: IOMMU, vfio-pci, cgroup v2 cpuset, systemd and logind, journald, hugepages. Everything is read
/// from files under the host root; nothing here speaks D-Bus, so a simulated tree answers every question.
/// </summary>
internal static partial class HostChecks
{
    private const string Area = "host";

    /// <summary>systemd gained AllowedCPUs= (cgroup v2 cpuset) in 244.</summary>
    public const int MinSystemd = 244;

    public static IEnumerable<DoctorCheck> Run(IHostFs fs, HookConfig config)
    {
        yield return Iommu(fs);
        yield return VfioPci(fs);
        yield return Cgroup(fs);
        yield return SystemdVersion(fs);
        yield return Logind(fs, config);
        yield return Journald(fs, config);
        foreach (var check in HugepageChecks.Run(fs))
        {
            yield return check;
        }
    }

    private static DoctorCheck Iommu(IHostFs fs)
    {
        var groups = List(fs, "/sys/kernel/iommu_groups");
        var cmdline = ProcScan.TryRead(fs, "/proc/cmdline")?.Trim() ?? "";
        if (groups.Count == 0)
        {
            return DoctorCheck.Failure(Area, "IOMMU", "no IOMMU groups in /sys/kernel/iommu_groups",
                "enable VT-d/AMD-Vi in the firmware and add intel_iommu=on (Intel) or amd_iommu=on (AMD) to the kernel command line");
        }
        var units = List(fs, "/sys/class/iommu");
        var vendor = units.Any(u => u.StartsWith("dmar", StringComparison.Ordinal)) ? "Intel VT-d"
            : units.Any(u => u.StartsWith("ivhd", StringComparison.Ordinal)) ? "AMD-Vi" : "IOMMU";
        var type = ProcScan.TryRead(fs, $"/sys/kernel/iommu_groups/{groups[0]}/type")?.Trim();
        var mode = cmdline.Split(' ').Contains("iommu=pt") || type == "identity" ? "passthrough (iommu=pt)" : type is null ? "translated" : $"translated ({type})";
        return DoctorCheck.Pass(Area, "IOMMU", $"{vendor} on, {groups.Count} group(s), mode {mode}");
    }

    private static DoctorCheck VfioPci(IHostFs fs)
    {
        if (PciSysfs.DriverLoaded(fs, "vfio-pci"))
        {
            return DoctorCheck.Pass(Area, "vfio-pci", "loaded");
        }
        var release = ProcScan.TryRead(fs, "/proc/sys/kernel/osrelease")?.Trim();
        if (release is not null)
        {
            var modules = $"/lib/modules/{release}";
            if ((ProcScan.TryRead(fs, $"{modules}/modules.dep") ?? "").Contains("/vfio-pci.ko", StringComparison.Ordinal))
            {
                return DoctorCheck.Pass(Area, "vfio-pci", $"module available for {release} (loaded at the first bind)");
            }
            if ((ProcScan.TryRead(fs, $"{modules}/modules.builtin") ?? "").Contains("/vfio-pci.ko", StringComparison.Ordinal))
            {
                return DoctorCheck.Pass(Area, "vfio-pci", $"built into {release}");
            }
        }
        return DoctorCheck.Failure(Area, "vfio-pci", $"not loaded and no vfio-pci module for kernel {release ?? "?"}",
            "install a kernel with CONFIG_VFIO_PCI (Debian/Ubuntu/Arch kernels have it) or 'modprobe vfio-pci' to see why it fails");
    }

    internal static DoctorCheck Cgroup(IHostFs fs) => CgroupCpuset.Missing(fs) is { } missing
        ? DoctorCheck.Failure(Area, "cgroup", missing,
            "boot with systemd.unified_cgroup_hierarchy=1 and a kernel with CONFIG_CPUSETS: cpuIsolation's AllowedCPUs needs the cgroup v2 cpuset controller")
        : DoctorCheck.Pass(Area, "cgroup", $"v2 with cpuset ({string.Join(' ', CgroupCpuset.Controllers(fs)!)})");

    private static DoctorCheck SystemdVersion(IHostFs fs)
    {
        if (!fs.Exists("/run/systemd/system"))
        {
            return DoctorCheck.Failure(Area, "systemd", "not running as init (no /run/systemd/system)",
                "cpuIsolation and sleepInhibitor need systemd as PID 1");
        }
        // PID 1 maps libsystemd-shared-<version>.so; reading its maps needs no D-Bus call.
        var maps = ProcScan.TryRead(fs, "/proc/1/maps") ?? "";
        var match = SharedLibrary().Match(maps);
        if (!match.Success)
        {
            return DoctorCheck.Warning(Area, "systemd", "running, version unknown (cannot read /proc/1/maps)",
                $"run doctor as root; AllowedCPUs needs systemd {MinSystemd} or newer ('systemctl --version')");
        }
        var version = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return version >= MinSystemd
            ? DoctorCheck.Pass(Area, "systemd", $"{version}")
            : DoctorCheck.Failure(Area, "systemd", $"{version}", $"cpuIsolation (AllowedCPUs) needs systemd {MinSystemd} or newer: upgrade, or drop the section");
    }

    private static DoctorCheck Logind(IHostFs fs, HookConfig config)
    {
        var bus = config.SystemBus.StartsWith("unix:path=", StringComparison.Ordinal) ? config.SystemBus["unix:path=".Length..].Split(',')[0] : null;
        if (bus is not null && !fs.Exists(bus))
        {
            return DoctorCheck.Failure(Area, "logind", $"no system bus socket at {bus}",
                "start dbus (systemctl start dbus); sleepInhibitor and cpuIsolation talk to systemd and logind over it");
        }
        // logind creates /run/systemd/seats when it starts; its D-Bus name is activated by the same unit.
        return fs.Exists("/run/systemd/seats")
            ? DoctorCheck.Pass(Area, "logind", $"running (/run/systemd/seats), system bus {config.SystemBus}")
            : DoctorCheck.Warning(Area, "logind", "not running (no /run/systemd/seats)",
                "sleepInhibitor needs systemd-logind: systemctl start systemd-logind");
    }

    private static DoctorCheck Journald(IHostFs fs, HookConfig config) =>
        fs.Exists(config.JournalSocket)
            ? DoctorCheck.Pass(Area, "journald", config.JournalSocket)
            : DoctorCheck.Warning(Area, "journald", $"no socket at {config.JournalSocket}",
                "the hook logs to stderr instead (libvirt puts it in its own log); start systemd-journald for 'journalctl -t hookdispatcher'");

    public static IReadOnlyList<string> List(IHostFs fs, string path)
    {
        try
        {
            return fs.Exists(path) ? fs.ListDirectory(path) : [];
        }
        catch (HostIoException)
        {
            return [];
        }
    }

    [GeneratedRegex(@"libsystemd-(?:shared|core)-(\d+)")]
    private static partial Regex SharedLibrary();
}
