using HookDispatcher.Tests.DBus;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Reliability;

/// <summary>The parts of libvirt's hook contract that must hold however broken the configuration, rules or state are.</summary>
public sealed class ContractTests(DBusDaemon bus) : IClassFixture<DBusDaemon>
{
    private const string Rule = """{ "hugepages": { "pageSize": "2M", "count": 16 } }""";

    /// <summary>Ways to break the hook's world; each leaves the host as it was.</summary>
    public static TheoryData<string> Breakages() =>
    [
        "corrupt config", "config with an unknown key", "config is a directory", "corrupt state file", "state file is a directory",
        "rules dir is a file", "rules dir missing", "rules dir world-writable", "corrupt rule", "state dir is a file",
    ];

    private static void Break(SimulatedHost host, string how)
    {
        host.Rule("vm", Rule);
        switch (how)
        {
            case "corrupt config":
                File.WriteAllText(host.ConfigPath, "{ \"rulesDir\": ");
                break;
            case "config with an unknown key":
                File.WriteAllText(host.ConfigPath, File.ReadAllText(host.ConfigPath).Replace("{", "{\"bogus\": 1,", StringComparison.Ordinal));
                break;
            case "config is a directory":
                File.Delete(host.ConfigPath);
                Directory.CreateDirectory(host.ConfigPath);
                break;
            case "corrupt state file":
                Directory.CreateDirectory(host.StateDir);
                File.WriteAllText(host.StateFile("vm"), "{ \"version\": 1, \"domain\": ");
                break;
            case "state file is a directory":
                Directory.CreateDirectory(host.StateFile("vm"));
                break;
            case "rules dir is a file":
                Directory.Delete(host.RulesDir, recursive: true);
                File.WriteAllText(host.RulesDir, Rule);
                break;
            case "rules dir missing":
                Directory.Delete(host.RulesDir, recursive: true);
                break;
            case "rules dir world-writable":
                File.SetUnixFileMode(host.RulesDir, (UnixFileMode)0x1ff);
                break;
            case "corrupt rule":
                host.Rule("vm", "{ \"hugepages\": ");
                break;
            case "state dir is a file":
                File.WriteAllText(host.StateDir, "");
                break;
        }
    }

    [Theory]
    [MemberData(nameof(Breakages))]
    public void ReconnectNeverExitsNonZero(string how)
    {
        using var host = new SimulatedHost();
        Break(host, how);
        var result = host.Hook("vm", "reconnect", "begin", SimulatedHost.DomainXml("vm"));
        result.ExitCode.ShouldBe(0, result.Stderr);
        result.Stdout.ShouldBe("");
        host.Read(SimulatedHost.Nr2M).ShouldBe("0\n");
    }

    [Theory]
    [MemberData(nameof(Breakages))]
    public void MigrateAndRestoreNeverWriteToStdout(string how)
    {
        using var host = new SimulatedHost();
        Break(host, how);
        foreach (var op in new[] { "migrate", "restore" })
        {
            var result = host.Hook("vm", op, "begin", SimulatedHost.DomainXml("vm"));
            (result.ExitCode, result.Stdout).ShouldBe((0, ""), op);
        }
    }

    [Fact]
    public void MigrateAndRestoreStaySilentWhileTheDomainHoldsResources()
    {
        using var host = new SimulatedHost();
        host.Rule("vm", Rule);
        host.Hook("vm", "prepare", "begin", SimulatedHost.DomainXml("vm")).ExitCode.ShouldBe(0);
        foreach (var op in new[] { "migrate", "restore" })
        {
            var result = host.Hook("vm", op, "begin", SimulatedHost.DomainXml("vm"));
            (result.ExitCode, result.Stdout, result.Stderr).ShouldBe((0, "", ""), op);
        }
        host.Hook("vm", "release", "end").ExitCode.ShouldBe(0);
    }

    /// <summary>
    /// libvirtd reads the hook's stdout and stderr to EOF, so a descendant holding them stalls it (27 s instead of
    /// 7 s in DESIGN.md). <see cref="HookProcess.Run"/> waits for EOF on both pipes, not only for the exit, and fails
    /// after 30 s; here it must come at once, on every path including the sleep inhibitor's transient unit.
    /// With the fake peer nothing is spawned at all; with real systemd the holder (hookctl inhibit-hold) is started by
    /// systemd (PID 1) as a transient service whose stdout/stderr are the journal (StartTransientService sets
    /// StandardOutput/StandardError=journal), so it never inherits the hook's pipes, and the hook itself starts no
    /// process (<see cref="TheProductStartsNoProcess"/>). The e2e scenario 08 runs it against real systemd.
    /// </summary>
    [Fact]
    public void NoDescendantKeepsStdoutOrStderrOpenOnAnyPath()
    {
        using var peer = new SystemdPeer(bus.Address);
        using var host = new SimulatedHost(bus.Address);
        host.Write("sys/devices/system/cpu/online", "0-7\n");
        host.Rule("vm", """{ "hugepages": { "pageSize": "2M", "count": 16 }, "sleepInhibitor": true, "cpuIsolation": { "hostCpus": "0-3" } }""");
        foreach (var (op, sub) in new[] { ("prepare", "begin"), ("start", "begin"), ("started", "begin"), ("reconnect", "begin"), ("migrate", "begin"), ("stopped", "end"), ("release", "end") })
        {
            var result = host.Hook("vm", op, sub, SimulatedHost.DomainXml("vm"));
            result.ExitCode.ShouldBe(0, $"{op}: {result.Stderr}");
            result.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10), op);
        }
        peer.Snapshot().ShouldNotContain("hookdispatcher-inhibit");
    }

    [Fact]
    public void OnlyTheProcessRunnerStartsProcessesAndItKeepsTheChildOffLibvirtsPipes()
    {
        // The gpu handler runs /usr/sbin/modprobe and the scripts handler the user's commands; Host/ProcessRunner*.cs
        // is the one place allowed to start them, and its tests (tests/Host) show the child's output captured, its
        // stdin at EOF, a timeout killing the whole process group and a background child holding the pipes killed.
        var host = Path.Join(HookProcess.RepoRoot, "src", "HookDispatcher", "Host");
        var runners = Directory.GetFiles(host, "ProcessRunner*.cs");
        var runnerText = string.Concat(runners.Select(File.ReadAllText));
        foreach (var guard in new[] { "LibC.FileActionsAddDup2", "LibC.FileActionsAddCloseFrom", "POSIX_SPAWN_SETPGROUP", "Kill(-pid, SIGKILL)" })
        {
            runnerText.ShouldContain(guard, Shouldly.Case.Sensitive);
        }
        // Host/LibC.cs declares posix_spawn (every native call lives there); only the runner calls it.
        var libc = Path.Join(host, "LibC.cs");
        var sources = Directory.GetFiles(Path.Join(HookProcess.RepoRoot, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal) && !runners.Contains(f) && f != libc);
        foreach (var file in sources)
        {
            var text = File.ReadAllText(file);
            foreach (var spawn in new[] { "Process.Start", "ProcessStartInfo", "\"fork\"", "\"execve\"", "posix_spawn", "LibC.PosixSpawn", "LibC.Pipe2" })
            {
                text.ShouldNotContain(spawn, Shouldly.Case.Sensitive, $"{file} starts a process: the hook must leave nothing holding libvirtd's pipes");
            }
        }
    }

    [Fact]
    public void EveryNativeCallIsDeclaredInLibC()
    {
        var libc = Path.Join(HookProcess.RepoRoot, "src", "HookDispatcher", "Host", "LibC.cs");
        var sources = Directory.GetFiles(Path.Join(HookProcess.RepoRoot, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal) && f != libc);
        foreach (var file in sources)
        {
            var text = File.ReadAllText(file);
            foreach (var import in new[] { "[LibraryImport", "[DllImport", "extern " })
            {
                text.ShouldNotContain(import, Shouldly.Case.Sensitive, $"{file} declares a native call: they all live in Host/LibC.cs");
            }
        }
    }
}
