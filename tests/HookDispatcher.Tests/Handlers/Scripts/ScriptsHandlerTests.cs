using HookDispatcher.Engine;
using HookDispatcher.Host;
using HookDispatcher.Rules;
using HookDispatcher.Tests.HostLayer;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Handlers.Scripts;

public sealed class ScriptsHandlerTests
{
    [Fact]
    public void ScriptsRunAfterTheBuiltInStepsOfTheirEventInFileOrderEachJournalled()
    {
        using var h = new ScriptsHarness();
        var rules = ScriptsHarness.Rules(
        [
            ScriptsHarness.Entry("b", h.Logger("b")),
            ScriptsHarness.Entry("late", h.Logger("late"), ScriptAt.Started),
            ScriptsHarness.Entry("a", h.Logger("a")),
        ], Fixtures.Hugepages(16));
        h.Run(rules, Stage.Prepare);
        h.Lines.ShouldBe(["builtin apply", "b prepare ", "a prepare "]);
        h.Store.Load("vm")!.Steps.Select(s => (s.Id, s.Status)).ShouldBe(
            [("hugepages:2048kB", StepStatus.Done), ("marker", StepStatus.Done), ("scripts:b", StepStatus.Done), ("scripts:a", StepStatus.Done)]);
        h.Run(rules, Stage.Started);
        h.Lines[^1].ShouldBe("late started ");
    }

    [Fact]
    public void AFailingScriptFailsTheEventAndUndoesEveryEarlierStepInReverseOrderUndoCommandsIncluded()
    {
        using var h = new ScriptsHarness();
        var rules = ScriptsHarness.Rules(
        [
            ScriptsHarness.Entry("a", h.Logger("a"), undo: h.Logger("undo-a")),
            ScriptsHarness.Entry("b", h.Logger("b"), undo: h.Logger("undo-b")),
            ScriptsHarness.Entry("fails", h.Script("fails", "echo 'no shm for you' >&2; echo second line >&2; exit 3")),
            ScriptsHarness.Entry("never", h.Logger("never")),
        ], Fixtures.Hugepages(16));
        var e = Should.Throw<StepFailedException>(() => h.Run(rules, Stage.Prepare));
        e.Message.ShouldBe($"scripts:fails: '{h.Bin}/fails' exited with status 3: no shm for you");
        h.Lines.ShouldBe(["builtin apply", "a prepare ", "b prepare ", "undo-b prepare ", "undo-a prepare ", "builtin undo"]);
        h.Fs.Writes.Select(w => w.Value).ShouldBe(["16", "0"]);
        h.Store.Load("vm").ShouldBeNull();
    }

    [Fact]
    public void TheFailingScriptsOwnUndoRunsTooForWhatItDidBeforeFailing()
    {
        using var h = new ScriptsHarness();
        var rules = ScriptsHarness.Rules([ScriptsHarness.Entry("half", h.Script("half", "exit 1"), undo: h.Logger("undo-half"))]);
        Should.Throw<StepFailedException>(() => h.Run(rules, Stage.Prepare));
        h.Lines.ShouldBe(["builtin apply", "undo-half prepare ", "builtin undo"]);
    }

    [Fact]
    public void ATimeoutKillsTheScriptsProcessGroupNamesTheScriptAndTheLimitAndRollsBack()
    {
        using var h = new ScriptsHarness();
        var token = "8" + Random.Shared.Next(100000, 999999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var rules = ScriptsHarness.Rules(
        [
            ScriptsHarness.Entry("a", h.Logger("a"), undo: h.Logger("undo-a")),
            ScriptsHarness.Entry("slow", h.Script("slow", $"/bin/sleep {token} >/dev/null 2>&1 & /bin/sleep {token}"), timeout: 1),
        ]);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = Should.Throw<StepFailedException>(() => h.Run(rules, Stage.Prepare));
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10));
        e.Message.ShouldBe($"scripts:slow: '{h.Bin}/slow' did not finish within 1 s and was killed with its process group");
        ProcessRunnerTests.Survivors(token).ShouldBeEmpty();
        h.Lines.ShouldBe(["builtin apply", "a prepare ", "undo-a prepare ", "builtin undo"]);
    }

    [Fact]
    public void ABackgroundChildHoldingStdoutDoesNotStallTheEvent()
    {
        using var h = new ScriptsHarness();
        var token = "7" + Random.Shared.Next(100000, 999999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var rules = ScriptsHarness.Rules([ScriptsHarness.Entry("daemonish", h.Script("daemonish", $"/bin/sleep {token} & echo spawned"))]);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        h.Run(rules, Stage.Prepare);
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
        ProcessRunnerTests.Survivors(token).ShouldBeEmpty();
        h.Events.ShouldContain(l => l.RenderMessage(null).Contains("left a process holding its stdout", StringComparison.Ordinal));
    }

    [Fact]
    public void AtReleaseUndoCommandsRunInReverseOrderBeforeTheBuiltInUndoAndReleaseEntriesOnlyThen()
    {
        using var h = new ScriptsHarness();
        var rules = ScriptsHarness.Rules(
        [
            ScriptsHarness.Entry("r1", h.Logger("r1"), ScriptAt.Release),
            ScriptsHarness.Entry("a", h.Logger("a"), undo: h.Logger("undo-a")),
            ScriptsHarness.Entry("b", h.Logger("b"), undo: h.Logger("undo-b")),
            ScriptsHarness.Entry("r2", h.Logger("r2"), ScriptAt.Release),
        ]);
        h.Run(rules, Stage.Prepare);
        h.Lines.ShouldBe(["builtin apply", "a prepare ", "b prepare "]);
        h.Release().ShouldBeEmpty();
        h.Lines.ShouldBe(["builtin apply", "a prepare ", "b prepare ", "undo-b release ", "undo-a release ", "r1 release ", "r2 release ", "builtin undo"]);
        h.Store.Load("vm").ShouldBeNull();
    }

    [Fact]
    public void AFailingUndoIsKeptForARetryAndTheRestIsStillUndone()
    {
        using var h = new ScriptsHarness();
        var rules = ScriptsHarness.Rules([ScriptsHarness.Entry("a", h.Logger("a"), undo: h.Script("undo-fails", "echo busy >&2; exit 1"))]);
        h.Run(rules, Stage.Prepare);
        h.Release().ShouldBe([$"scripts:a: '{h.Bin}/undo-fails' exited with status 1: busy"]);
        h.Lines[^1].ShouldBe("builtin undo");
        h.Store.Load("vm")!.Steps.Single().Id.ShouldBe("scripts:a");
    }

    [Fact]
    public void EachScriptGetsExactlyTheHookEnvironmentItsArgumentsWithTheDomainAndStdinAtEndOfFile()
    {
        using var h = new ScriptsHarness();
        var rules = ScriptsHarness.Rules(
        [
            ScriptsHarness.Entry("env", "/usr/bin/env"),
            ScriptsHarness.Entry("argv", "/bin/echo", args: ["{domain}", "two words", "vm-{domain}.conf"]),
            ScriptsHarness.Entry("stdin", "/bin/cat"),
            ScriptsHarness.Entry("xml", "/bin/sh", args: ["-c", "stat -c %a \"$HOOK_XML\"; cat \"$HOOK_XML\""]),
        ]);
        h.Run(rules, Stage.Prepare);
        string[] Out(string step) => h.Events
            .Where(e => e.Properties["HOOK_STEP"].ToString() == $"\"scripts:{step}\"" && e.Properties.ContainsKey("HOOK_STREAM"))
            .Select(e => e.RenderMessage(null)).ToArray();
        var env = Out("env");
        var xmlPath = env.Single(l => l.StartsWith("HOOK_XML=", StringComparison.Ordinal))["HOOK_XML=".Length..];
        env.Order().ShouldBe(["HOOK_DOMAIN=vm", "HOOK_EXTRA=-", "HOOK_OPERATION=prepare", "HOOK_SUB_OPERATION=begin", $"HOOK_XML={xmlPath}", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"]);
        Path.GetDirectoryName(xmlPath).ShouldBe(h.Store.Directory);
        File.Exists(xmlPath).ShouldBeFalse();
        Out("argv").ShouldBe(["vm two words vm-vm.conf"]);
        Out("stdin").ShouldBeEmpty();
        Out("xml").ShouldBe(["600", "<domain type='qemu'><name>vm</name></domain>"]);
        Directory.GetFiles(h.Store.Directory, "*.xml", SearchOption.AllDirectories).ShouldBeEmpty();
    }

    [Fact]
    public void EveryOutputLineGoesToTheLogWithDomainStepAndStream()
    {
        using var h = new ScriptsHarness();
        h.Run(ScriptsHarness.Rules([ScriptsHarness.Entry("talk", h.Script("talk", "echo one; echo two >&2"))]), Stage.Prepare);
        var lines = h.Events.Where(e => e.Properties.ContainsKey("HOOK_STREAM"))
            .Select(e => (e.Properties["LIBVIRT_DOMAIN"].ToString(), e.Properties["HOOK_STEP"].ToString(), e.Properties["HOOK_STREAM"].ToString(), e.RenderMessage(null)))
            .Order().ToList();
        lines.ShouldBe([("\"vm\"", "\"scripts:talk\"", "\"stderr\"", "two"), ("\"vm\"", "\"scripts:talk\"", "\"stdout\"", "one")]);
    }

    [Fact]
    public void AScriptMadeWritableAfterPlanningIsRefusedWhenItWouldRun()
    {
        using var h = new ScriptsHarness();
        var script = h.Logger("a");
        var rules = ScriptsHarness.Rules([ScriptsHarness.Entry("a", script)]);
        var steps = h.Plan(rules, Stage.Prepare);
        File.SetUnixFileMode(script, (UnixFileMode)0x1fd); // 0775
        h.Event.Set("prepare", "begin", "-", () => []);
        var e = Should.Throw<StepFailedException>(() => h.Executor.Apply("vm", null, "prepare begin", steps, undoStaleFirst: true, h.Log));
        e.Message.ShouldBe($"scripts:a: refused: '{script}' must be owned by root and not writable by group or others (owner uid 0, mode 0775)");
        h.Lines.ShouldBe(["builtin apply", "builtin undo"]);
    }

    [Fact]
    public void TheDryRunListsEachScriptWithItsArgvAndTimeLimitWithoutRunningIt()
    {
        using var h = new ScriptsHarness();
        var rules = ScriptsHarness.Rules(
        [
            ScriptsHarness.Entry("shm", h.Logger("shm"), undo: "/bin/rm", timeout: 5, args: ["/dev/shm/{domain}"]),
            ScriptsHarness.Entry("bye", h.Logger("bye"), ScriptAt.Release),
        ]);
        var steps = h.Plan(rules, Stage.Prepare).Where(s => s.Kind.StartsWith("scripts.", StringComparison.Ordinal)).ToList();
        steps.Select(s => s.Id).ShouldBe(["scripts:bye", "scripts:shm"]);
        steps[1].Actions.ShouldBe(
        [
            $"run {h.Bin}/shm /dev/shm/vm (time limit 5 s; stdin at EOF; HOOK_XML: a 0600 copy of the domain XML; output to the journal)",
            "undo at release (or if a later step fails): /bin/rm",
        ]);
        steps[0].Actions.ShouldBe([$"at release: run {h.Bin}/bye (time limit 30 s)"]);
        h.Lines.ShouldBeEmpty();
    }
}
