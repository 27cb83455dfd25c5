using HookDispatcher.Tests.Rules;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Reliability;

/// <summary>
/// Rule files nobody but root could have written, and a state directory only root can read, checked through the
/// real binary as libvirt runs it (the loader's own tests are in Rules/RuleSecurityTests).
/// </summary>
public sealed class PermissionTests
{
    private const string Rule = """{ "hugepages": { "pageSize": "2M", "count": 16 } }""";

    private static void ShouldBeRefusedTouchingNothing(SimulatedHost host, string expected)
    {
        var result = host.Hook("vm", "prepare", "begin", SimulatedHost.DomainXml("vm"));
        result.ExitCode.ShouldBe(2, result.Stderr);
        result.Stderr.ShouldMatch("^hookdispatcher: vm prepare: [^\n]*refused: [^\n]+\n$");
        result.Stderr.ShouldContain(expected);
        host.Read(SimulatedHost.Nr2M).ShouldBe("0\n");
        File.Exists(host.StateFile("vm")).ShouldBeFalse();
    }

    [Fact]
    public void ARuleFileOwnedByAnotherUserIsRefused()
    {
        using var host = new SimulatedHost();
        host.Rule("vm", Rule);
        RuleDir.Chown(Path.Join(host.RulesDir, "vm.json"), 65534);
        ShouldBeRefusedTouchingNothing(host, "owner uid 65534");
    }

    [Theory]
    [InlineData(UnixFileMode.GroupWrite, "0664")]
    [InlineData(UnixFileMode.OtherWrite, "0646")]
    public void AGroupOrOtherWritableRuleFileIsRefused(UnixFileMode extra, string mode)
    {
        using var host = new SimulatedHost();
        host.Rule("vm", Rule);
        var file = Path.Join(host.RulesDir, "vm.json");
        File.SetUnixFileMode(file, (UnixFileMode)0x1a4 | extra);
        ShouldBeRefusedTouchingNothing(host, $"mode {mode}");
    }

    [Fact]
    public void AWorldWritableRulesDirectoryIsRefused()
    {
        using var host = new SimulatedHost();
        host.Rule("vm", Rule);
        File.SetUnixFileMode(host.RulesDir, (UnixFileMode)0x1ff);
        ShouldBeRefusedTouchingNothing(host, "mode 0777");
    }

    [Fact]
    public void ADropInDirectoryOwnedByAnotherUserIsRefused()
    {
        using var host = new SimulatedHost();
        host.Rule("vm", Rule);
        var dropIns = Path.Join(host.RulesDir, "vm.d");
        Directory.CreateDirectory(dropIns);
        File.WriteAllText(Path.Join(dropIns, "10.json"), """{ "sleepInhibitor": true }""");
        RuleDir.Chown(dropIns, 65534);
        ShouldBeRefusedTouchingNothing(host, "owner uid 65534");
    }

    [Fact]
    public void ASymlinkedRuleFilePointingOutsideTheRulesDirectoryIsRefused()
    {
        using var host = new SimulatedHost();
        // A perfectly valid, root-owned 0644 rule: only where it lives is wrong.
        var outside = Path.Join(host.Path, "elsewhere.json");
        File.WriteAllText(outside, Rule);
        File.CreateSymbolicLink(Path.Join(host.RulesDir, "vm.json"), outside);
        ShouldBeRefusedTouchingNothing(host, "outside the rules directory");
    }

    [Fact]
    public void ASymlinkedRuleFileInsideTheRulesDirectoryIsFollowed()
    {
        using var host = new SimulatedHost();
        File.WriteAllText(Path.Join(host.RulesDir, "shared.rule"), Rule);
        File.CreateSymbolicLink(Path.Join(host.RulesDir, "vm.json"), Path.Join(host.RulesDir, "shared.rule"));
        host.Hook("vm", "prepare", "begin", SimulatedHost.DomainXml("vm")).ExitCode.ShouldBe(0);
        host.Read(SimulatedHost.Nr2M).ShouldBe("16");
        host.Hook("vm", "release", "end").ExitCode.ShouldBe(0);
    }

    [Fact]
    public void TheStateDirectoryIsTightenedTo0700AndStateFilesAre0600()
    {
        using var host = new SimulatedHost();
        host.Rule("vm", Rule);
        Directory.CreateDirectory(host.StateDir);
        File.SetUnixFileMode(host.StateDir, (UnixFileMode)0x1ff);
        host.Hook("vm", "prepare", "begin", SimulatedHost.DomainXml("vm")).ExitCode.ShouldBe(0);
        File.GetUnixFileMode(host.StateDir).ShouldBe((UnixFileMode)0x1c0);
        File.GetUnixFileMode(host.StateFile("vm")).ShouldBe((UnixFileMode)0x180);
        File.GetUnixFileMode(Path.Join(host.StateDir, ".lock")).ShouldBe((UnixFileMode)0x180);
        host.Hook("vm", "release", "end").ExitCode.ShouldBe(0);
    }

    [Theory]
    [InlineData("release")]
    [InlineData("status")]
    public void HookctlRefusesADomainNameThatLeadsOutOfTheStateDirectory(string command)
    {
        using var host = new SimulatedHost();
        // Before the fix 'hookctl release ../outside' undid this (pool 16 → 0) and deleted it.
        var bait = TraversalBait.Plant(host);
        var result = host.Ctl(command, "../outside");
        // Bad input, refused before anything is read: exit 2 like every other bad argument.
        result.ExitCode.ShouldBe(2);
        result.Stderr.ShouldContain("contains '/'");
        host.Read(SimulatedHost.Nr2M).ShouldBe("16\n");
        File.Exists(bait).ShouldBeTrue();
    }
}
