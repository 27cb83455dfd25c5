using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Hook;

/// <summary>The libvirt hook contract, checked on the published native binary run the way libvirtd runs it.</summary>
public sealed class HookContractTests
{
    private const string Rule16 = """{ "hugepages": { "pageSize": "2M", "count": 16 } }""";

    [Fact]
    public void ADomainWithoutRulesExitsZeroWithNoOutputAndNoLog()
    {
        using var host = new SimulatedHost();
        using var journal = new DatagramCatcher(host.JournalSocket);
        foreach (var op in new[] { "prepare", "start", "started", "stopped", "release", "reconnect" })
        {
            var result = host.Hook("norules", op, op is "stopped" or "release" ? "end" : "begin", SimulatedHost.DomainXml("norules"));
            (result.ExitCode, result.Stdout, result.Stderr).ShouldBe((0, "", ""), op);
        }
        journal.Received().ShouldBeEmpty();
    }

    [Fact]
    public void PrepareReservesAndReleaseGivesBackWithTheStateFileBetween()
    {
        using var host = new SimulatedHost();
        host.Rule("vm1", Rule16);
        var prepare = host.Hook("vm1", "prepare", "begin", SimulatedHost.DomainXml("vm1"));
        (prepare.ExitCode, prepare.Stdout, prepare.Stderr).ShouldBe((0, "", ""));
        host.Read(SimulatedHost.Nr2M).ShouldBe("16");
        File.Exists(host.StateFile("vm1")).ShouldBeTrue();
        Convert.ToString((int)File.GetUnixFileMode(host.StateFile("vm1")), 8).ShouldBe("600");
        Convert.ToString((int)File.GetUnixFileMode(host.StateDir), 8).ShouldBe("700");

        host.Hook("vm1", "stopped", "end").ExitCode.ShouldBe(0);
        host.Read(SimulatedHost.Nr2M).ShouldBe("16");
        var release = host.Hook("vm1", "release", "end", SimulatedHost.DomainXml("vm1"), extra: "destroyed");
        (release.ExitCode, release.Stdout, release.Stderr).ShouldBe((0, "", ""));
        host.Read(SimulatedHost.Nr2M).ShouldBe("0");
        File.Exists(host.StateFile("vm1")).ShouldBeFalse();
    }

    /// <summary>
    /// Issue 20: a release whose config cannot be loaded used the built-in defaults, found no state under the default
    /// stateDir and left the pages held. It now reads the directories leniently and says so in one line.
    /// </summary>
    [Theory]
    [InlineData("unknown key")]
    [InlineData("syntax error after the directories")]
    [InlineData("broken drop-in")]
    public void ReleaseWithABrokenConfigStillFindsAndUndoesTheDomainsState(string how)
    {
        using var host = new SimulatedHost();
        host.Rule("vm1", Rule16);
        host.Hook("vm1", "prepare", "begin", SimulatedHost.DomainXml("vm1")).ExitCode.ShouldBe(0);
        host.Read(SimulatedHost.Nr2M).ShouldBe("16");
        var json = File.ReadAllText(host.ConfigPath);
        var broken = host.ConfigPath;
        switch (how)
        {
            case "unknown key":
                File.WriteAllText(host.ConfigPath, json.Replace("{", "{\"bogus\": 1,", StringComparison.Ordinal));
                break;
            case "syntax error after the directories":
                File.WriteAllText(host.ConfigPath, json.TrimEnd().TrimEnd('}') + ", \"lockTimeoutSeconds\": ");
                break;
            default:
                Directory.CreateDirectory(Path.Join(host.Path, "config.d"));
                broken = Path.Join(host.Path, "config.d", "50-broken.json");
                File.WriteAllText(broken, "{ \"stateDir\": ");
                break;
        }
        var release = host.Hook("vm1", "release", "end", SimulatedHost.DomainXml("vm1"));
        release.ExitCode.ShouldBe(0);
        release.Stderr.ShouldStartWith($"hookdispatcher: vm1 release: {broken}: ");
        release.Stderr.ShouldEndWith($"; going on with stateDir {host.StateDir}, hostRoot {host.HostRoot}\n");
        release.Stderr.TrimEnd('\n').ShouldNotContain("\n");
        host.Read(SimulatedHost.Nr2M).ShouldBe("0");
        File.Exists(host.StateFile("vm1")).ShouldBeFalse();
    }

    [Fact]
    public void ReleaseWorksAfterTheRuleFileWasDeleted()
    {
        using var host = new SimulatedHost();
        host.Rule("vm1", Rule16);
        host.Hook("vm1", "prepare", "begin", SimulatedHost.DomainXml("vm1")).ExitCode.ShouldBe(0);
        File.Delete(Path.Join(host.RulesDir, "vm1.json"));
        host.Hook("vm1", "release", "end").ExitCode.ShouldBe(0);
        host.Read(SimulatedHost.Nr2M).ShouldBe("0");
    }

    [Fact]
    public void AFailingPrepareUndoesItsStepsAndPrintsOneLineNamingStepPathAndReason()
    {
        using var host = new SimulatedHost();
        host.Rule("vm1", Rule16);
        // A directory where the kernel file should be: the write fails with EISDIR.
        File.Delete(Path.Join(host.HostRoot, SimulatedHost.Nr2M));
        Directory.CreateDirectory(Path.Join(host.HostRoot, SimulatedHost.Nr2M));
        var result = host.Hook("vm1", "prepare", "begin", SimulatedHost.DomainXml("vm1"));
        result.ExitCode.ShouldBe(1);
        result.Stdout.ShouldBe("");
        var line = result.Stderr.TrimEnd('\n');
        line.ShouldNotContain("\n");
        line.ShouldStartWith("hookdispatcher: vm1 prepare: hugepages:2048kB: ");
        line.ShouldContain("nr_hugepages");
        File.Exists(host.StateFile("vm1")).ShouldBeFalse();
        // libvirt then sends release for the failed domain: nothing to do, nothing to fail.
        host.Hook("vm1", "release", "end").ExitCode.ShouldBe(0);
    }

    [Fact]
    public void BadRulesFailPrepareWithFileLineAndExitTwoTouchingNothing()
    {
        using var host = new SimulatedHost();
        host.Rule("vm1", "{\n  \"hugepages\": { \"count\": -3 }\n}\n");
        var result = host.Hook("vm1", "prepare", "begin", SimulatedHost.DomainXml("vm1"));
        result.ExitCode.ShouldBe(2);
        result.Stderr.ShouldStartWith($"hookdispatcher: vm1 prepare: {Path.Join(host.RulesDir, "vm1.json")}:2:");
        result.Stderr.ShouldContain("-3");
        host.Read(SimulatedHost.Nr2M).ShouldBe("0\n");
        File.Exists(host.StateFile("vm1")).ShouldBeFalse();
    }

    [Fact]
    public void DomainXmlForAnotherDomainIsRefused()
    {
        using var host = new SimulatedHost();
        host.Rule("vm1", Rule16);
        var result = host.Hook("vm1", "prepare", "begin", SimulatedHost.DomainXml("other"));
        result.ExitCode.ShouldBe(2);
        result.Stderr.ShouldContain("\"other\"");
        host.Read(SimulatedHost.Nr2M).ShouldBe("0\n");
    }

    [Theory]
    [InlineData("migrate", "begin")]
    [InlineData("restore", "begin")]
    [InlineData("attach", "begin")]
    [InlineData("frobnicate", "begin")]
    public void FiltersAndUnknownOperationsPrintNothingAndSucceedEvenWithRules(string op, string sub)
    {
        using var host = new SimulatedHost();
        host.Rule("vm1", Rule16);
        var result = host.Hook("vm1", op, sub, SimulatedHost.DomainXml("vm1"));
        (result.ExitCode, result.Stdout, result.Stderr).ShouldBe((0, "", ""));
        host.Read(SimulatedHost.Nr2M).ShouldBe("0\n");
    }

    [Fact]
    public void ReconnectNeverFailsEvenOnACorruptStateFile()
    {
        using var host = new SimulatedHost();
        host.Rule("vm1", Rule16);
        Directory.CreateDirectory(host.StateDir);
        File.WriteAllText(host.StateFile("vm1"), "{ not json");
        var result = host.Hook("vm1", "reconnect", "begin", SimulatedHost.DomainXml("vm1"));
        result.ExitCode.ShouldBe(0);
        result.Stdout.ShouldBe("");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void WrongArgumentCountsAreAUsageError(int count)
    {
        using var host = new SimulatedHost();
        var link = Path.Join(host.Path, "qemu");
        File.CreateSymbolicLink(link, HookProcess.Binary);
        var result = HookProcess.Run(link, Enumerable.Repeat("x", count), null, host.Env);
        result.ExitCode.ShouldBe(2);
        result.Stderr.ShouldStartWith("hookdispatcher: usage:");
    }

    [Fact]
    public void TheFullPathLogsToJournaldWithTheDomainAndOperation()
    {
        using var host = new SimulatedHost();
        using var journal = new DatagramCatcher(host.JournalSocket);
        host.Rule("vm1", Rule16);
        host.Hook("vm1", "prepare", "begin", SimulatedHost.DomainXml("vm1")).ExitCode.ShouldBe(0);
        host.Hook("vm1", "release", "end").ExitCode.ShouldBe(0);
        var datagrams = journal.Received();
        datagrams.ShouldContain(d => d.Contains("LIBVIRT_DOMAIN=vm1\n") && d.Contains("HOOK_OPERATION=prepare\n") && d.Contains("HOOK_STEP=hugepages:2048kB\n"));
        datagrams.ShouldAllBe(d => d.Contains("SYSLOG_IDENTIFIER=hookdispatcher\n"));
    }

    [Fact]
    public void TheShutoffReasonOfReleaseIsAJournalField()
    {
        using var host = new SimulatedHost();
        using var journal = new DatagramCatcher(host.JournalSocket);
        host.Rule("vm1", Rule16);
        host.Hook("vm1", "prepare", "begin", SimulatedHost.DomainXml("vm1")).ExitCode.ShouldBe(0);
        host.Hook("vm1", "release", "end", extra: "destroyed").ExitCode.ShouldBe(0);
        var datagrams = journal.Received();
        var release = datagrams.Where(d => d.Contains("HOOK_OPERATION=release\n")).ToList();
        release.ShouldNotBeEmpty();
        release.ShouldAllBe(d => d.Contains("LIBVIRT_SHUTOFF_REASON=destroyed\n"));
        var prepare = datagrams.Where(d => d.Contains("HOOK_OPERATION=prepare\n")).ToList();
        prepare.ShouldNotBeEmpty();
        prepare.ShouldAllBe(d => !d.Contains("LIBVIRT_SHUTOFF_REASON"));
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("a/b")]
    [InlineData("..")]
    public void ADomainNameThatIsNotAPlainFileNameIsRefused(string name)
    {
        using var host = new SimulatedHost();
        var result = host.Hook(name, "prepare", "begin", SimulatedHost.DomainXml("x"));
        result.ExitCode.ShouldBe(2);
        result.Stderr.ShouldStartWith($"hookdispatcher: {name} prepare: domain name");
        host.Hook(name, "reconnect", "begin").ExitCode.ShouldBe(0);
    }

    [Fact]
    public void HelpListsEveryCommand()
    {
        var result = HookProcess.Run(HookProcess.Binary, ["--help"]);
        result.ExitCode.ShouldBe(0);
        foreach (var command in new[] { "hook", "test", "validate", "status", "release" })
        {
            result.Stdout.ShouldContain("  " + command);
        }
    }
}
