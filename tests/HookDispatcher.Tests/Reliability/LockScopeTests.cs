using System.Diagnostics;
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
        var clock = Stopwatch.StartNew();
        while (!(File.Exists(host.StateFile("a")) && File.ReadAllText(host.StateFile("a")).Contains("\"kind\": \"scripts\"", StringComparison.Ordinal)))
        {
            clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(8), "a's prepare never reached its script");
            Thread.Sleep(20);
        }

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
}
