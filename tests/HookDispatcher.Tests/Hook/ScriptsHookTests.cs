using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Hook;

/// <summary>The scripts section through the real binary, as libvirt calls it.</summary>
public sealed class ScriptsHookTests
{
    [Fact]
    public void AFailingScriptsFirstStderrLineIsInTheOneLineLibvirtShows()
    {
        using var host = new SimulatedHost();
        host.Rule("vm", """{ "scripts": [ { "name": "usb", "run": ["/bin/sh", "-c", "echo 'no such device' >&2; echo more >&2; exit 4"] } ] }""");
        var result = host.Hook("vm", "prepare", "begin", SimulatedHost.DomainXml("vm"));
        result.ExitCode.ShouldBe(1);
        result.Stdout.ShouldBeEmpty();
        result.Stderr.ShouldBe("hookdispatcher: vm prepare: scripts:usb: '/bin/sh -c 'echo '\\''no such device'\\'' >&2; echo more >&2; exit 4'' exited with status 4: no such device\n");
        File.Exists(host.StateFile("vm")).ShouldBeFalse();
    }

    [Fact]
    public void UndoAtReleaseGetsTheReleaseEventAndTheXmlLibvirtPassesThen()
    {
        using var host = new SimulatedHost();
        var output = System.IO.Path.Join(host.Path, "undo.out");
        host.Rule("vm", $$"""
            { "scripts": [ { "name": "x", "run": ["/bin/true"],
                             "undo": ["/bin/sh", "-c", "grep -c '<name>vm</name>' \"$HOOK_XML\" > {{output}}; echo \"$HOOK_OPERATION $HOOK_SUB_OPERATION $HOOK_EXTRA\" >> {{output}}"] } ] }
            """);
        host.Hook("vm", "prepare", "begin", SimulatedHost.DomainXml("vm")).ExitCode.ShouldBe(0);
        File.Exists(output).ShouldBeFalse();
        var release = host.Hook("vm", "release", "end", SimulatedHost.DomainXml("vm"), extra: "destroyed");
        release.ExitCode.ShouldBe(0, release.Stderr);
        File.ReadAllText(output).ShouldBe("1\nrelease end destroyed\n");
        File.Exists(host.StateFile("vm")).ShouldBeFalse();
    }

    [Fact]
    public void AtStoppedEndTheHookRunsTheTreesStoppedScriptsWithTheXmlOnStdin()
    {
        using var host = new SimulatedHost();
        var tree = System.IO.Path.Join(host.Path, "qemu.d", "vm");
        Directory.CreateDirectory(System.IO.Path.Join(tree, "stopped", "end"));
        var output = System.IO.Path.Join(host.Path, "stopped.out");
        var script = System.IO.Path.Join(tree, "stopped", "end", "10-log.sh");
        File.WriteAllText(script, $"#!/bin/sh\necho \"$*\" $(grep -c '<name>vm</name>') > {output}\n");
        File.SetUnixFileMode(script, (UnixFileMode)0x1ed);
        host.Rule("vm", $$"""{ "scriptsDir": "{{tree}}" }""");
        host.Hook("vm", "prepare", "begin", SimulatedHost.DomainXml("vm")).ExitCode.ShouldBe(0);
        var stopped = host.Hook("vm", "stopped", "end", SimulatedHost.DomainXml("vm"));
        stopped.ExitCode.ShouldBe(0, stopped.Stderr);
        File.ReadAllText(output).ShouldBe("vm stopped end - 1\n");
    }

    [Fact]
    public void TheDryRunListsEachScriptWithArgvAndTimeLimitAndRunsNothing()
    {
        using var host = new SimulatedHost();
        var marker = System.IO.Path.Join(host.Path, "ran");
        host.Rule("vm", $$"""{ "scripts": [ { "run": ["/usr/bin/touch", "{{marker}}", "{domain}"], "undo": ["/usr/bin/rm", "-f", "{{marker}}"], "timeoutSeconds": 7 } ] }""");
        var xml = host.DomainXmlFile("vm");
        var result = host.Ctl("test", "vm", "prepare", "--xml", xml);
        result.ExitCode.ShouldBe(0, result.Stderr);
        result.Stdout.ShouldContain($"scripts:touch: run /usr/bin/touch {marker} vm");
        result.Stdout.ShouldContain($"- run /usr/bin/touch {marker} vm (time limit 7 s; stdin at EOF;");
        result.Stdout.ShouldContain($"- undo at release (or if a later step fails): /usr/bin/rm -f {marker}");
        File.Exists(marker).ShouldBeFalse();
    }
}
