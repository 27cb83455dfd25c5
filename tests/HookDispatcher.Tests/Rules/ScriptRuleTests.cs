using HookDispatcher.Rules;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Rules;

public sealed class ScriptRuleTests
{
    [Fact]
    public void AnEntryDefaultsToPrepareThirtySecondsNoUndoAndItsFileName()
    {
        var rules = RuleDir.Valid("""{ "scripts": [ { "run": ["/bin/echo", "{domain}"] }, { "at": "release", "run": ["/bin/true"], "name": "bye", "timeoutSeconds": 5 } ] }""");
        rules.Scripts.Select(s => (s.Name, s.At, string.Join(' ', s.Run), s.Undo is null, s.TimeoutSeconds)).ShouldBe(
        [
            ("echo", ScriptAt.Prepare, "/bin/echo {domain}", true, 30),
            ("bye", ScriptAt.Release, "/bin/true", true, 5),
        ]);
    }

    [Theory]
    [InlineData("""{ "scripts": [ { "undo": ["/bin/true"] } ] }""", "$.scripts[0]", "\"run\" is required")]
    [InlineData("""{ "scripts": [ { "run": [] } ] }""", "$.scripts[0].run", "expected a non-empty array")]
    [InlineData("""{ "scripts": [ { "run": ["bin/true"] } ] }""", "$.scripts[0].run[0]", "refused: 'bin/true' is not an absolute path")]
    [InlineData("""{ "scripts": [ { "run": ["/nonexistent/x"] } ] }""", "$.scripts[0].run[0]", "refused: '/nonexistent/x': cannot resolve: ENOENT")]
    [InlineData("""{ "scripts": [ { "run": ["/etc/passwd"] } ] }""", "$.scripts[0].run[0]", "refused: '/etc/passwd' is not executable (mode 0644)")]
    [InlineData("""{ "scripts": [ { "run": ["/bin/true"], "at": "stopped" } ] }""", "$.scripts[0].at", "expected \"prepare\", \"start\", \"started\" or \"release\"")]
    [InlineData("""{ "scripts": [ { "run": ["/bin/true"], "at": "release", "undo": ["/bin/true"] } ] }""", "$.scripts[0]", "has no \"undo\"")]
    [InlineData("""{ "scripts": [ { "run": ["/bin/true"], "timeoutSeconds": 0 } ] }""", "$.scripts[0].timeoutSeconds", "expected an integer 1..3600")]
    [InlineData("""{ "scripts": [ { "run": ["/bin/true"] }, { "run": ["/usr/bin/true"] } ] }""", "$.scripts[1]", "two scripts are named \"true\"")]
    [InlineData("""{ "scripts": [ { "run": ["/bin/true"], "Undo": [] } ] }""", "$.scripts[0].Undo", "did you mean \"undo\"?")]
    [InlineData("""{ "scriptsDir": "qemu.d/win10" }""", "$.scriptsDir", "expected an absolute directory path")]
    [InlineData("""{ "scriptsDir": "/nonexistent/qemu.d/win10" }""", "$.scriptsDir", "cannot stat: ENOENT")]
    public void EveryMistakeIsReportedWithItsPlace(string json, string path, string message)
    {
        var error = RuleDir.LoadText(json).Errors.ShouldHaveSingleItem();
        error.Path.ShouldBe(path);
        error.Message.ShouldContain(message);
        error.Line.ShouldBe(1);
    }

    [Fact]
    public void AScriptOthersCouldChangeIsRefusedAtValidateNamingTheFileAndTheRule()
    {
        using var dir = new TempDir();
        var script = Script(dir.Join("lg.sh"), 0x1fd); // 0775
        var writable = RunError(script);
        writable.Message.ShouldBe($"refused: '{script}' must be owned by root and not writable by group or others (owner uid 0, mode 0775)");
        writable.ToString().ShouldMatch(@"^/.*/vm\.json:1:26: \$\.scripts\[0\]\.run\[0\]: refused: ");

        File.SetUnixFileMode(script, (UnixFileMode)0x1ed); // 0755
        RuleDir.Chown(script, 1000);
        RunError(script).Message.ShouldContain("(owner uid 1000, mode 0755)");

        RuleDir.Chown(script, 0);
        File.SetUnixFileMode(dir.Path, (UnixFileMode)0x1ff); // the directory 0777: the file could be replaced
        RunError(script).Message.ShouldBe($"refused: '{script}': its directory '{dir.Path}' must be owned by root and not writable by group or others (owner uid 0, mode 0777)");
    }

    [Fact]
    public void ASymlinkIsJudgedByTheFileItResolvesTo()
    {
        using var dir = new TempDir();
        var target = Script(dir.Join("real.sh"), 0x1f6); // 0766
        File.CreateSymbolicLink(dir.Join("link.sh"), target);
        RunError(dir.Join("link.sh")).Message.ShouldContain($"(resolves to '{target}') must be owned by root and not writable by group or others");
    }

    [Fact]
    public void AnUnsafeFileInAScriptsDirTreeIsRefusedAtValidate()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Join("prepare", "begin"));
        var script = Script(dir.Join("prepare", "begin", "10-x.sh"), 0x1ff);
        RuleDir.LoadText($$"""{ "scriptsDir": "{{dir.Path}}" }""").Errors.ShouldHaveSingleItem()
            .Message.ShouldContain($"'{script}' must be owned by root and not writable by group or others");
        File.SetUnixFileMode(script, (UnixFileMode)0x1ed);
        RuleDir.Valid($$"""{ "scriptsDir": "{{dir.Path}}/" }""").ScriptsDir.ShouldBe(dir.Path);
    }

    private static string Script(string path, int mode)
    {
        File.WriteAllText(path, "#!/bin/sh\n");
        File.SetUnixFileMode(path, (UnixFileMode)mode);
        return path;
    }

    private static RuleError RunError(string script) =>
        RuleDir.LoadText($$"""{ "scripts": [ { "run": ["{{script}}"] } ] }""").Errors.ShouldHaveSingleItem();
}
