using HookDispatcher.Host;
using HookDispatcher.Rules;

namespace HookDispatcher.Doctor;

/// <summary>Install checks: the hook is this binary and executable, the daemon has read it, qemu.d, config and rules.</summary>
internal static class InstallChecks
{
    private const string Area = "install";
    public const string HookPath = "/etc/libvirt/hooks/qemu";
    public const string HookDir = "/etc/libvirt/hooks/qemu.d";

    /// <summary>The daemons that run qemu hooks: the monolithic one and the modular one.</summary>
    private static readonly string[] Daemons = ["libvirtd", "virtqemud"];

    public static IEnumerable<DoctorCheck> Run(IHostFs fs, string configPath, string rulesDir, RuleLoader loader, IReadOnlyList<string> domains, string? binary)
    {
        var hook = Hook(fs, binary);
        yield return hook;
        if (hook.Status != DoctorCheck.Fail)
        {
            yield return Daemon(fs);
        }
        yield return QemuD(fs);
        yield return Config(configPath);
        foreach (var domain in domains)
        {
            yield return Rules(loader, rulesDir, domain);
        }
        if (domains.Count == 0)
        {
            yield return DoctorCheck.Warning(Area, "rules", $"no rule files in {rulesDir}", "write <domain>.json there (see hookdispatcher-rules(5)), then 'hookctl validate'");
        }
    }

    private static DoctorCheck Hook(IHostFs fs, string? binary)
    {
        var path = fs.Resolve(HookPath);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return DoctorCheck.Failure(Area, "hook", $"{path} does not exist",
                "install it: ln -s /usr/local/bin/hookctl /etc/libvirt/hooks/qemu (install.sh does), then restart libvirtd or virtqemud");
        }
        var link = info.LinkTarget is { } target ? $" -> {target}" : "";
        if ((File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) == 0)
        {
            return DoctorCheck.Failure(Area, "hook", $"{path}{link} is not executable", $"chmod 755 {path}");
        }
        if (binary is not null && !SameFile(path, binary))
        {
            return DoctorCheck.Warning(Area, "hook", $"{path}{link} is not this hookctl ({binary})",
                $"if you meant this version: ln -sf {binary} {HookPath}, then restart libvirtd or virtqemud");
        }
        return DoctorCheck.Pass(Area, "hook", $"{path}{link}, executable{(binary is null ? "" : ", this hookctl")}");
    }

    /// <summary>
    /// libvirt looks for the hook once, when the daemon starts (virHookInitialize → virHookCheck: the file exists and
    /// is executable, else an executable in qemu.d), and later execs whatever the path holds then. So a hook put in
    /// place after the daemon started is not run until it restarts, while a new binary behind a hook that was already
    /// there (an upgrade) is run at once. When the hook path itself last changed is its own inode change time
    /// (a symlink's, not its target's): creating, renaming over or chmod-ing it all set it, and no <c>cp -p</c> or
    /// <c>touch</c> can set it back.
    /// </summary>
    private static DoctorCheck Daemon(IHostFs fs)
    {
        var running = ProcScan.Pids(fs).Select(pid => (Pid: pid, Comm: ProcScan.Comm(fs, pid))).Where(p => Daemons.Contains(p.Comm)).ToList();
        if (running.Count == 0)
        {
            return DoctorCheck.Warning(Area, "libvirt daemon", "neither libvirtd nor virtqemud is running", "systemctl start libvirtd (or virtqemud)");
        }
        var hook = fs.Resolve(HookPath);
        if (RuleFileStat.TryChangeTime(hook, out var placed) is { } error)
        {
            return DoctorCheck.Warning(Area, "libvirt daemon", $"{hook}: cannot read when it was put in place ({error})", "restart libvirtd or virtqemud if the hook was installed after it started");
        }
        DateTime? firstStarted = null;
        foreach (var (pid, comm) in running)
        {
            var started = ProcScan.StartTime(fs, pid);
            if (started is null)
            {
                return DoctorCheck.Warning(Area, "libvirt daemon", $"{comm} (pid {pid}) runs; its start time is unreadable", $"restart {comm} if the hook was installed after it started");
            }
            // btime is whole seconds, so a start time read back can be up to a second early: allow for it.
            if (placed > started.Value.AddSeconds(1))
            {
                return DoctorCheck.Warning(Area, "libvirt daemon",
                    $"{comm} (pid {pid}) started {started:u}, before the hook was put in place ({placed:u}): it does not run the hook yet",
                    $"restart it: systemctl restart {comm}");
            }
            firstStarted ??= started;
        }
        var (p, c) = running[0];
        return DoctorCheck.Pass(Area, "libvirt daemon", $"{c} (pid {p}) started {firstStarted:u}, after the hook was put in place ({placed:u})");
    }

    private static DoctorCheck QemuD(IHostFs fs)
    {
        var dir = fs.Resolve(HookDir);
        if (!Directory.Exists(dir))
        {
            return DoctorCheck.Pass(Area, "qemu.d", $"{dir}: absent (no other hooks)");
        }
        // libvirt runs every executable directly inside qemu.d for every domain, after qemu; subdirectories are not run.
        var executables = Directory.EnumerateFileSystemEntries(dir)
            .Where(e => File.Exists(e) && (File.GetUnixFileMode(e) & UnixFileMode.UserExecute) != 0)
            .Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        return executables.Count == 0
            ? DoctorCheck.Pass(Area, "qemu.d", $"{dir}: no executables")
            : DoctorCheck.Warning(Area, "qemu.d", $"{dir}: {string.Join(", ", executables)} also run for every VM, after this hook",
                "make sure they do not bind the same devices or reserve the same pages");
    }

    private static DoctorCheck Config(string path)
    {
        if (!File.Exists(path))
        {
            return DoctorCheck.Pass(Area, "config", $"{path}: absent, defaults in force");
        }
        // Loading already refused a file root does not own or others can write; this names what was accepted.
        return RuleFileStat.TryStat(path, out var mode, out var uid, out _) is { } errno
            ? DoctorCheck.Failure(Area, "config", $"{path}: cannot stat: {errno}", "check the path")
            : DoctorCheck.Pass(Area, "config", FormattableString.Invariant($"{path}: valid, owner uid {uid}, mode {RuleFileStat.Octal(mode)}"));
    }

    private static DoctorCheck Rules(RuleLoader loader, string rulesDir, string domain)
    {
        var loaded = loader.Load(rulesDir, domain);
        if (loaded.Errors.Count > 0)
        {
            return DoctorCheck.Failure(Area, $"rules {domain}", $"{loaded.Errors.Count} error(s)", $"fix them: hookctl validate {domain}") with
            {
                Details = loaded.Errors.Take(5).Select(e => e.ToString()).ToList(),
            };
        }
        var sources = loaded.Rules is { } rules ? string.Join(", ", rules.Sources) : "none";
        return DoctorCheck.Pass(Area, $"rules {domain}", $"valid, root-owned, not group/other-writable ({sources})");
    }

    private static bool SameFile(string a, string b)
    {
        if (RuleFileStat.TryRealPath(a, out var ra) is null && RuleFileStat.TryRealPath(b, out var rb) is null && ra == rb)
        {
            return true;
        }
        var fa = new FileInfo(a);
        var fb = new FileInfo(b);
        if (!fa.Exists || !fb.Exists || fa.Length != fb.Length)
        {
            return false;
        }
        return File.ReadAllBytes(a).AsSpan().SequenceEqual(File.ReadAllBytes(b));
    }
}
