using HookDispatcher.Engine;
using HookDispatcher.Rules;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Handlers.Scripts;

/// <summary>A VFIO-Tools tree (qemu.d/&lt;vm&gt;/&lt;operation&gt;/&lt;sub-operation&gt;/*) run through "scriptsDir".</summary>
public sealed class ScriptsDirTests
{
    private static string Tree(ScriptsHarness h)
    {
        var tree = Path.Join(h.Bin, "qemu.d", "vm");
        foreach (var sub in new[] { "prepare/begin", "started/begin", "stopped/end", "release/end" })
        {
            Directory.CreateDirectory(Path.Join(tree, sub));
        }
        // Each logs its argv and what it read on stdin.
        var body = $"echo \"$(basename $0) $* stdin=$(cat)\" >> {h.LogFile}";
        h.Script("qemu.d/vm/prepare/begin/20-second.sh", body);
        h.Script("qemu.d/vm/prepare/begin/10-first.sh", body);
        h.Script("qemu.d/vm/prepare/begin/README", body);
        File.SetUnixFileMode(Path.Join(tree, "prepare/begin/README"), (UnixFileMode)0x1a4); // 0644: not run
        h.Script("qemu.d/vm/started/begin/10-pin.sh", body);
        h.Script("qemu.d/vm/stopped/end/10-stop.sh", body);
        h.Script("qemu.d/vm/release/end/10-undo.sh", body);
        h.Script("qemu.d/vm/release/end/05-first.sh", body);
        return tree;
    }

    [Fact]
    public void EachEventRunsItsExecutablesInLexicalOrderWithTheTreesArgvAndTheXmlOnStdinAndReleaseEndRunsAtRelease()
    {
        using var h = new ScriptsHarness();
        var rules = ScriptsHarness.Rules([], dir: Tree(h));
        h.Run(rules, Stage.Prepare);
        h.Run(rules, Stage.Start);
        h.Run(rules, Stage.Started);
        var xml = "stdin=<domain type='qemu'><name>vm</name></domain>";
        h.Lines.ShouldBe(["builtin apply", $"10-first.sh vm prepare begin - {xml}", $"20-second.sh vm prepare begin - {xml}", $"10-pin.sh vm started begin - {xml}"]);
        h.Release().ShouldBeEmpty();
        h.Lines[4..].ShouldBe([$"05-first.sh vm release end destroyed {xml}", $"10-undo.sh vm release end destroyed {xml}", "builtin undo"]);
    }

    [Fact]
    public void StoppedEndRunsTheStoppedScriptsOfTheTreeTheDomainHoldsAndNeverFails()
    {
        using var h = new ScriptsHarness();
        var tree = Tree(h);
        h.Script("qemu.d/vm/stopped/end/20-fails.sh", "exit 1");
        h.Run(ScriptsHarness.Rules([], dir: tree), Stage.Prepare);
        h.Event.Set("stopped", "end", "-", () => "<domain/>"u8.ToArray());
        h.Scripts.RunTreeEvent(h.Store.Load("vm"), "stopped", "end", h.Log);
        h.Lines[^1].ShouldBe("10-stop.sh vm stopped end - stdin=<domain/>");
        h.Events.ShouldContain(e => e.Level == Serilog.Events.LogEventLevel.Error && e.RenderMessage(null).Contains("20-fails.sh", StringComparison.Ordinal));
        h.Scripts.RunTreeEvent(null, "stopped", "end", h.Log);
        h.Lines.Length.ShouldBe(4);
    }

    [Fact]
    public void ANonZeroExitFailsPrepareRollsBackAndRunsTheTreesReleaseEndAsItsUndo()
    {
        using var h = new ScriptsHarness();
        var tree = Tree(h);
        h.Script("qemu.d/vm/prepare/begin/15-fails.sh", "echo 'vfio: group 5 busy' >&2; exit 1");
        var e = Should.Throw<StepFailedException>(() => h.Run(ScriptsHarness.Rules([], Fixtures.Hugepages(16), tree), Stage.Prepare));
        e.Message.ShouldBe($"scriptsDir:prepare/begin/15-fails.sh: '{tree}/prepare/begin/15-fails.sh vm prepare begin -' exited with status 1: vfio: group 5 busy");
        h.Lines.Select(l => l.Split(' ')[0]).ShouldBe(["builtin", "10-first.sh", "05-first.sh", "10-undo.sh", "builtin"]);
        h.Fs.Writes.Select(w => w.Value).ShouldBe(["16", "0"]);
        h.Store.Load("vm").ShouldBeNull();
    }

    [Fact]
    public void AFailingReleaseScriptIsLoggedAndTheOthersStillRun()
    {
        using var h = new ScriptsHarness();
        var tree = Tree(h);
        h.Script("qemu.d/vm/release/end/07-fails.sh", "echo nope >&2; exit 2");
        h.Run(ScriptsHarness.Rules([], dir: tree), Stage.Prepare);
        h.Release().ShouldBeEmpty();
        h.Lines.Select(l => l.Split(' ')[0]).ShouldBe(["builtin", "10-first.sh", "20-second.sh", "05-first.sh", "10-undo.sh", "builtin"]);
        h.Events.ShouldContain(l => l.Level == Serilog.Events.LogEventLevel.Error && l.RenderMessage(null).Contains("07-fails.sh vm release end destroyed' exited with status 2: nope", StringComparison.Ordinal));
        h.Store.Load("vm").ShouldBeNull();
    }

    [Fact]
    public void TheDryRunListsTheTreesScriptsWithArgvAndTimeLimit()
    {
        using var h = new ScriptsHarness();
        var tree = Tree(h);
        var steps = h.Plan(ScriptsHarness.Rules([], dir: tree), Stage.Prepare).Where(s => s.Kind.StartsWith("scripts.", StringComparison.Ordinal)).ToList();
        steps.Select(s => s.Id).ShouldBe(["scriptsDir:release", "scriptsDir:prepare/begin/10-first.sh", "scriptsDir:prepare/begin/20-second.sh"]);
        steps[0].Actions.ShouldBe([$"at release: run every executable in {tree}/release/end/ in lexical order (now: 05-first.sh, 10-undo.sh; time limit 30 s each)"]);
        steps[1].Actions[0].ShouldBe($"run {tree}/prepare/begin/10-first.sh vm prepare begin - (time limit 30 s; domain XML on stdin; output to the journal)");
        h.Lines.ShouldBeEmpty();
    }
}
