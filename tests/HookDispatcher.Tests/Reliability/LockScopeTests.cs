using System.Diagnostics;
using System.Runtime.InteropServices;
using HookDispatcher.Tests.DBus;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Reliability;

/// <summary>
/// The host lock is held only for ledger read-modify-writes (Executor's concurrency model): the real binary, one
/// VM's prepare sitting in a slow user script while another VM, sharing the hugepage pool, starts and stops with
/// hugepages, cpuIsolation and a sleep inhibitor against a fake systemd/logind on a private dbus-daemon.
/// </summary>
public sealed class LockScopeTests(DBusDaemon bus) : IClassFixture<DBusDaemon>
{
    [Fact]
    public async Task OneVmsSlowPrepareScriptNeverStallsAnotherVmsPrepareOrRelease()
    {
        using var peer = new SystemdPeer(bus.Address);
        using var host = new SimulatedHost(bus.Address);
        host.Write("sys/devices/system/cpu/online", "0-7\n");
        // A lock wait shorter than the script: on a hook that held the lock for the whole event, b waited 3 s and
        // failed ("Timed out after 3 s waiting for …/.lock"), leaving its pages and CPUs held.
        host.ConfigNumber("lockTimeoutSeconds", 3);
        host.Rule("a", """{ "hugepages": { "pageSize": "2M", "count": 8 }, "scripts": [ { "name": "slow", "run": ["/bin/sleep", "10"], "timeoutSeconds": 60 } ] }""");
        host.Rule("b", """{ "hugepages": { "pageSize": "2M", "count": 4 }, "cpuIsolation": { "hostCpus": "0-1", "at": "prepare" }, "sleepInhibitor": true }""");
        host.HookLink();

        var a = Task.Run(() => host.Hook("a", "prepare", "begin", SimulatedHost.DomainXml("a")));
        WaitForRecord(host, "a", "scripts.script");

        var prepare = host.Hook("b", "prepare", "begin", SimulatedHost.DomainXml("b"));
        (prepare.ExitCode, prepare.Stderr).ShouldBe((0, ""));
        host.Read(SimulatedHost.Nr2M).Trim().ShouldBe("12");
        peer.AllowedCpus("system.slice")?.ToString().ShouldBe("0-1");
        var release = host.Hook("b", "release", "end");
        (release.ExitCode, release.Stderr).ShouldBe((0, ""));
        host.Read(SimulatedHost.Nr2M).Trim().ShouldBe("8");
        peer.AllowedCpus("system.slice").ShouldBeNull();
        File.Exists(host.StateFile("b")).ShouldBeFalse();
        // Each of b's events waited for nothing of a's: far less than the lock timeout, and a is still in its script.
        prepare.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(3));
        release.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(3));
        a.IsCompleted.ShouldBeFalse();

        var done = await a;
        (done.ExitCode, done.Stderr).ShouldBe((0, ""));
        host.Hook("a", "release", "end").ExitCode.ShouldBe(0);
        host.Read(SimulatedHost.Nr2M).Trim().ShouldBe("0");
        peer.Failure.ShouldBeNull();
    }

    /// <summary>
    /// VM a's GPU is on nvidia, whose remove() waits for a CUDA program that still has /dev/nvidia0 open: here the
    /// driver's unbind file is a FIFO nobody reads, so the write blocks in open(2) as it would in the driver. On a
    /// hook that wrote it itself, a waited forever holding its state and libvirtd's call.
    /// </summary>
    [Fact]
    public async Task OneVmStuckInAnUnbindNeverStallsAnotherVmAndFailsNamingWhoHoldsTheGpu()
    {
        using var peer = new SystemdPeer(bus.Address);
        using var host = new SimulatedHost(bus.Address);
        host.Write("sys/devices/system/cpu/online", "0-7\n");
        var pci = new SimPciHost();
        pci.AddModule(new SimPciHost.Module("nvidia", "nvidia") { Loaded = true });
        pci.AddModule(new SimPciHost.Module("vfio_pci", "vfio-pci") { Loaded = true });
        pci.Add(new SimPciHost.Device("0000:01:00.0", 0x030000, "5", "nvidia", "nvidia") { BootVga = false });
        var tree = new PciTree(pci, host.HostRoot);
        foreach (var attribute in tree.Attributes)
        {
            host.Write(attribute[1..], attribute.EndsWith("driver_override", StringComparison.Ordinal) ? "(null)\n" : "");
        }
        File.Delete(Path.Join(host.HostRoot, "sys/bus/pci/drivers/nvidia/unbind"));
        MkFifo(Path.Join(host.HostRoot, "sys/bus/pci/drivers/nvidia/unbind"), 0x180).ShouldBe(0);
        host.Write("proc/4242/comm", "cuda-app\n");
        Directory.CreateDirectory(Path.Join(host.HostRoot, "proc/4242/fd"));
        File.CreateSymbolicLink(Path.Join(host.HostRoot, "proc/4242/fd/3"), "/dev/nvidia0");
        host.Rule("a", """{ "hugepages": { "pageSize": "2M", "count": 8 }, "gpu": { "devices": ["0000:01:00.0"] } }""");
        host.Rule("b", """{ "hugepages": { "pageSize": "2M", "count": 4 }, "cpuIsolation": { "hostCpus": "0-1", "at": "prepare" }, "sleepInhibitor": true }""");
        host.HookLink();

        var a = Task.Run(() => host.Hook("a", "prepare", "begin", SimulatedHost.DomainXml("a")));
        WaitForRecord(host, "a", "gpu.bind");

        var prepare = host.Hook("b", "prepare", "begin", SimulatedHost.DomainXml("b"));
        (prepare.ExitCode, prepare.Stderr).ShouldBe((0, ""));
        host.Read(SimulatedHost.Nr2M).Trim().ShouldBe("12");
        var release = host.Hook("b", "release", "end");
        (release.ExitCode, release.Stderr).ShouldBe((0, ""));
        host.Read(SimulatedHost.Nr2M).Trim().ShouldBe("8");
        prepare.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(3));
        release.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(3));
        a.IsCompleted.ShouldBeFalse("a is still waiting for its unbind");

        var done = await a;
        done.ExitCode.ShouldBe(1);
        done.Stderr.ShouldContain("unbinding 0000:01:00.0 from nvidia did not return within 10 s (the driver waits for its users to let go): " +
                                  "cuda-app (pid 4242) holds /dev/nvidia0; stop them and start the VM again");
        done.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(25));
        // a's other steps are undone: its pages are given back, its state is gone, the GPU stays with nvidia.
        host.Read(SimulatedHost.Nr2M).Trim().ShouldBe("0");
        File.Exists(host.StateFile("a")).ShouldBeFalse();
        new FileInfo(Path.Join(host.HostRoot, "sys/bus/pci/devices/0000:01:00.0/driver")).LinkTarget.ShouldEndWith("/nvidia");
        peer.Failure.ShouldBeNull();
    }

    /// <summary>Waits (≤ 8 s) until DOMAIN's state file holds a record of KIND: its prepare has reached that step.</summary>
    private static void WaitForRecord(SimulatedHost host, string domain, string kind)
    {
        var clock = Stopwatch.StartNew();
        while (!(File.Exists(host.StateFile(domain)) && File.ReadAllText(host.StateFile(domain)).Contains($"\"kind\": \"{kind}\"", StringComparison.Ordinal)))
        {
            clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(8), $"{domain}'s prepare never reached its {kind} step");
            Thread.Sleep(20);
        }
    }

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MkFifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);
}
