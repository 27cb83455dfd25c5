using HookDispatcher.Host;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Cli;

/// <summary>release refuses under a running QEMU; release --all; forget drops records whose undo keeps failing.</summary>
public sealed class LifecycleCommandTests
{
    private const string Rule = """{ "hugepages": { "pageSize": "2M", "count": 16 } }""";

    private static (int Code, string Out, string Err) Run(SimulatedHost host, params string[] args) =>
        CliRunner.Run(["--config", host.ConfigPath, .. args]);

    private static void Prepare(SimulatedHost host, string domain)
    {
        host.Rule(domain, Rule);
        Run(host, "test", domain, "prepare", "--xml", host.DomainXmlFile(domain), "--apply").Code.ShouldBe(0);
    }

    /// <summary>libvirt's pid file naming a live process (this test's own).</summary>
    private static void Running(SimulatedHost host, string domain)
    {
        var pid = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        host.Write($"run/libvirt/qemu/{domain}.pid", pid);
        Directory.CreateDirectory(System.IO.Path.Join(host.HostRoot, "proc", pid));
    }

    [Fact]
    public void ReleaseOfARunningDomainIsRefusedAndChangesNothingUntilForced()
    {
        using var host = new SimulatedHost();
        Prepare(host, "vm1");
        Running(host, "vm1");

        var refused = Run(host, "release", "vm1");
        refused.Code.ShouldBe(1);
        refused.Err.ShouldMatch(@"^hookctl: vm1: refusing to release while the domain runs \(its QEMU runs as pid \d+ \([^)]*/run/libvirt/qemu/vm1.pid\)\)[^\n]*--force\n$");
        host.Read(SimulatedHost.Nr2M).ShouldBe("16");
        Run(host, "test", "vm1", "release", "--apply").Code.ShouldBe(1);
        host.Read(SimulatedHost.Nr2M).ShouldBe("16");

        Run(host, "release", "vm1", "--force").Code.ShouldBe(0);
        host.Read(SimulatedHost.Nr2M).ShouldBe("0");
    }

    [Fact]
    public void APidFileOfADeadProcessDoesNotBlockRelease()
    {
        using var host = new SimulatedHost();
        Prepare(host, "vm1");
        host.Write("run/libvirt/qemu/vm1.pid", "999999");
        Run(host, "release", "vm1").Code.ShouldBe(0);
        host.Read(SimulatedHost.Nr2M).ShouldBe("0");
    }

    [Fact]
    public void AnActiveMachineScopeCountsAsRunning()
    {
        using var host = new SimulatedHost();
        Prepare(host, "win.11");
        Directory.CreateDirectory(System.IO.Path.Join(host.HostRoot, @"sys/fs/cgroup/machine.slice/machine-qemu\x2d4\x2dwin.11.scope"));
        Run(host, "release", "win.11").Err.ShouldContain(@"its machine scope machine-qemu\x2d4\x2dwin.11.scope is active");
        host.Read(SimulatedHost.Nr2M).ShouldBe("16");
    }

    [Fact]
    public void ReleaseAllReleasesEveryDomainThatIsNotRunning()
    {
        using var host = new SimulatedHost();
        Prepare(host, "a");
        Prepare(host, "b");
        Running(host, "b");
        var all = Run(host, "release", "--all");
        all.Code.ShouldBe(0);
        all.Out.ShouldContain("a: released 1 step(s)");
        all.Out.ShouldContain("b: left alone: its QEMU runs as pid");
        host.Read(SimulatedHost.Nr2M).ShouldBe("16");
        Run(host, "status", "b").Out.ShouldContain("hugepages:2048kB [done]");
    }

    [Fact]
    public void ForgetShowsTheRecordsAndTheHostAndDropsThemOnlyWithYes()
    {
        using var host = new SimulatedHost();
        Prepare(host, "vm1");

        var shown = Run(host, "forget", "vm1");
        shown.Code.ShouldBe(2);
        shown.Out.ShouldContain("vm1: would drop hugepages:2048kB [done] at prepare begin:");
        shown.Out.ShouldContain("host now: /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages is 16 (this record: 16 page(s))");
        shown.Err.ShouldContain("'hookctl forget vm1 --yes'");
        Run(host, "status", "vm1").Out.ShouldContain("hugepages:2048kB [done]");

        var forgot = Run(host, "forget", "vm1", "hugepages:2048kB", "--yes");
        (forgot.Code, forgot.Out.Split('\n')[^2]).ShouldBe((0, "vm1: forgot 1 record(s); the host was not changed"));
        host.Read(SimulatedHost.Nr2M).ShouldBe("16");
        Run(host, "status", "vm1").Out.Trim().ShouldBe("vm1: holds nothing");
        host.Write(SimulatedHost.Nr2M, "0");
    }

    [Fact]
    public void ForgetOfARunningDomainIsRefusedUntilForced()
    {
        using var host = new SimulatedHost();
        Prepare(host, "vm1");
        Running(host, "vm1");

        var refused = Run(host, "forget", "vm1", "--yes");
        refused.Code.ShouldBe(1);
        refused.Out.ShouldBeEmpty();
        refused.Err.ShouldMatch(@"^hookctl: vm1: refusing to forget its records while the domain runs \(its QEMU runs as pid \d+ [^\n]*--force\n$");
        Run(host, "status", "vm1").Out.ShouldContain("hugepages:2048kB [done]");
        Run(host, "forget", "vm1").Code.ShouldBe(2); // showing what would be dropped is still allowed

        Run(host, "forget", "vm1", "--yes", "--force").Code.ShouldBe(0);
        Run(host, "status", "vm1").Out.Trim().ShouldBe("vm1: holds nothing");
        host.Write(SimulatedHost.Nr2M, "0");
    }

    [Fact]
    public void APrepareBlockedByAnUndoThatKeepsFailingNamesForgetAndStartsAfterIt()
    {
        using var host = new SimulatedHost();
        Prepare(host, "vm1");
        // The previous run's record cannot be undone: the pool file is gone (say, a driver that will not rebind).
        File.Delete(System.IO.Path.Join(host.HostRoot, SimulatedHost.Nr2M));
        var blocked = host.Hook("vm1", "prepare", "begin", SimulatedHost.DomainXml("vm1"));
        blocked.ExitCode.ShouldBe(1);
        blocked.Stderr.ShouldContain("previous run: could not undo what it left");
        blocked.Stderr.ShouldContain("'hookctl forget vm1' drops those records");

        host.Write(SimulatedHost.Nr2M, "0");
        Run(host, "forget", "vm1", "--yes").Code.ShouldBe(0);
        host.Hook("vm1", "prepare", "begin", SimulatedHost.DomainXml("vm1")).ExitCode.ShouldBe(0);
        host.Read(SimulatedHost.Nr2M).ShouldBe("16");
        host.Hook("vm1", "release", "end").ExitCode.ShouldBe(0);
    }

    /// <summary>A domain name that could lead out of the state or rules directory is bad input: one line, exit 2.</summary>
    [Theory]
    [InlineData("release", "BAD/NAME")]
    [InlineData("forget", "BAD/NAME")]
    [InlineData("forget", "..")]
    [InlineData("status", "BAD/NAME")]
    [InlineData("test", "BAD/NAME", "release")]
    [InlineData("test", "BAD/NAME", "release", "--json")]
    [InlineData("test", "..", "release", "--apply")]
    [InlineData("test", "BAD/NAME", "prepare", "--xml", "/dev/null")]
    public void ABadDomainNameIsOneLineAndExitTwo(params string[] args)
    {
        using var host = new SimulatedHost();
        Prepare(host, "vm1");
        var (code, output, err) = Run(host, args);
        code.ShouldBe(2);
        err.ShouldStartWith($"hookctl: domain name \"{args[1]}\"");
        err.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0].ShouldNotContain("   at ");
        output.ShouldNotContain("Exception");
        host.Read(SimulatedHost.Nr2M).ShouldBe("16");
        Run(host, "release", "vm1").Code.ShouldBe(0);
    }

    [Fact]
    public void TheReleaseDryRunOfACorruptStateFileIsOneLineNamingTheFile()
    {
        using var host = new SimulatedHost();
        Prepare(host, "vm1");
        var state = System.IO.Path.Join(host.StateDir, "vm1.json");
        File.WriteAllText(state, "{ \"domain\": ");
        var (code, output, err) = Run(host, "test", "vm1", "release");
        (code, output).ShouldBe((1, ""));
        err.ShouldStartWith($"hookctl: vm1 release: State file '{state}' is corrupt: ");
        err.TrimEnd().ShouldNotContain("\n");
        host.Read(SimulatedHost.Nr2M).ShouldBe("16");
        host.Write(SimulatedHost.Nr2M, "0");
    }

    [Theory]
    [InlineData(@"machine-qemu\x2d3\x2dwin11.scope", "win11", true)]
    [InlineData(@"machine-qemu\x2d12\x2dwin\x2d11.scope", "win-11", true)]
    [InlineData(@"machine-qemu\x2d12\x2dwin\x2d11.scope", "win--11", true)]
    [InlineData(@"machine-qemu\x2d1\x2dmy.vm.scope", "my vm!.", false)]
    [InlineData(@"machine-qemu\x2d1\x2dmyvm.scope", "my vm!.", true)]
    [InlineData(@"machine-qemu\x2d3\x2dwin11.scope", "win1", false)]
    [InlineData(@"machine-lxc\x2d3\x2dwin11.scope", "win11", false)]
    [InlineData(@"machine-qemu\x2dx\x2dwin11.scope", "win11", false)]
    public void TheMachineScopeIsMatchedAsLibvirtNamesIt(string scope, string domain, bool matches) =>
        RunningQemu.IsScopeOf(scope, domain).ShouldBe(matches);
}
