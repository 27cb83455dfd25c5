using HookDispatcher.Configuration;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Configuration;

/// <summary>The layers in order: built-in defaults, the main file, config.d/*.json in name order, HOOKDISPATCHER_ variables.</summary>
public sealed class ConfigLayerTests : IDisposable
{
    private readonly TempDir _dir = new();

    private string Main => _dir.Join("config.json");

    public ConfigLayerTests()
    {
        File.WriteAllText(Main, """{ "rulesDir": "/main/rules", "stateDir": "/main/state" }""");
    }

    public void Dispose() => _dir.Dispose();

    private string DropIn(string name, string json)
    {
        Directory.CreateDirectory(_dir.Join("config.d"));
        var path = _dir.Join("config.d", name);
        File.WriteAllText(path, json);
        return path;
    }

    private static KeyValuePair<string, string>[] Env(params (string Name, string Value)[] variables) =>
        [.. variables.Select(v => new KeyValuePair<string, string>(v.Name, v.Value))];

    [Fact]
    public void WithoutDropInsOrVariablesTheMainFileWinsOverTheDefaults()
    {
        var config = ConfigLoader.Load(Main, []);
        config.ShouldBe(HookConfig.Defaults with { RulesDir = "/main/rules", StateDir = "/main/state" });
    }

    [Fact]
    public void DropInsApplyInOrdinalNameOrderOverTheMainFile()
    {
        // Ordinal: "10-b" < "9-a" < "a"; a later file wins key by key, the others keep what earlier layers set.
        DropIn("a.json", """{ "stateDir": "/a/state" }""");
        DropIn("9-a.json", """{ "stateDir": "/9/state", "hostRoot": "/9/root" }""");
        DropIn("10-b.json", """{ "stateDir": "/10/state", "hostRoot": "/10/root", "lockTimeoutSeconds": 5 }""");
        DropIn("ignored.conf", """{ "stateDir": "/conf" }""");
        var config = ConfigLoader.Load(Main, []);
        config.ShouldBe(HookConfig.Defaults with
        {
            RulesDir = "/main/rules", StateDir = "/a/state", HostRoot = "/9/root", LockTimeout = TimeSpan.FromSeconds(5),
        });
    }

    [Fact]
    public void ARelativePathIsTakenFromTheDropInThatSetIt()
    {
        DropIn("50-local.json", """{ "stateDir": "../state", "journalSocket": "j.sock" }""");
        var config = ConfigLoader.Load(Main, []);
        config.StateDir.ShouldBe(_dir.Join("state"));
        config.JournalSocket.ShouldBe(_dir.Join("config.d", "j.sock"));
        config.RulesDir.ShouldBe("/main/rules");
    }

    [Fact]
    public void EnvironmentVariablesOverrideEveryFile()
    {
        DropIn("50.json", """{ "stateDir": "/dropin/state" }""");
        var config = ConfigLoader.Load(Main, Env(("HOOKDISPATCHER_StateDir", "/env/state"), ("HOOKDISPATCHER_LOCKTIMEOUTSECONDS", "7"),
            ("HOOKDISPATCHER_SystemBus", "unix:path=/env/bus")));
        config.ShouldBe(HookConfig.Defaults with
        {
            RulesDir = "/main/rules", StateDir = "/env/state", SystemBus = "unix:path=/env/bus", LockTimeout = TimeSpan.FromSeconds(7),
        });
    }

    [Fact]
    public void TheConfigFileVariableIsThePathNotAKey()
    {
        var variables = new Dictionary<string, string> { ["HOOKDISPATCHER_CONFIG"] = Main, ["HOOKDISPATCHER_HostRoot"] = "/h", ["PATH"] = "/bin" };
        var environment = ConfigSources.Environment(variables);
        environment.ShouldBe(Env(("HOOKDISPATCHER_HostRoot", "/h")));
        ConfigLoader.Load(Main, environment).HostRoot.ShouldBe("/h");
    }

    [Theory]
    [InlineData("HOOKDISPATCHER_StateDirs", "x", "environment: HOOKDISPATCHER_StateDirs: unknown setting (known: HOOKDISPATCHER_RulesDir, HOOKDISPATCHER_StateDir, HOOKDISPATCHER_HostRoot, HOOKDISPATCHER_SystemBus, HOOKDISPATCHER_JournalSocket, HOOKDISPATCHER_LockTimeoutSeconds; HOOKDISPATCHER_CONFIG names the config file)")]
    [InlineData("HOOKDISPATCHER_StateDir", "state", "environment: HOOKDISPATCHER_StateDir: expected an absolute path, got \"state\"")]
    [InlineData("HOOKDISPATCHER_RulesDir", "", "environment: HOOKDISPATCHER_RulesDir: expected a path, got \"\"")]
    [InlineData("HOOKDISPATCHER_LockTimeoutSeconds", "soon", "environment: HOOKDISPATCHER_LockTimeoutSeconds: expected a number of seconds in (0, 600], got \"soon\"")]
    [InlineData("HOOKDISPATCHER_LockTimeoutSeconds", "NaN", "environment: HOOKDISPATCHER_LockTimeoutSeconds: expected a number of seconds in (0, 600], got \"NaN\"")]
    public void ABadVariableIsOneLineNamingItAndItsValue(string name, string value, string expected)
    {
        Should.Throw<ConfigException>(() => ConfigLoader.Load(Main, Env((name, value)))).Message.ShouldBe(expected);
    }

    [Fact]
    public void TwoSpellingsOfOneVariableAreRefused()
    {
        Should.Throw<ConfigException>(() => ConfigLoader.Load(Main, Env(("HOOKDISPATCHER_STATEDIR", "/a"), ("HOOKDISPATCHER_StateDir", "/b"))))
            .Message.ShouldBe("environment: HOOKDISPATCHER_STATEDIR and HOOKDISPATCHER_StateDir both set stateDir");
    }

    [Theory]
    [InlineData("{ \"stateDir\": \"/x\",\n  \"rulesDir\": }", ": line 2, column 15: not valid JSON: ")]
    [InlineData("""{ "statedir": "/x" }""", ": unknown key \"statedir\" (known: rulesDir, stateDir, hostRoot, systemBus, journalSocket, lockTimeoutSeconds)")]
    [InlineData("""{ "lockTimeoutSeconds": "soon" }""", ": lockTimeoutSeconds: expected a number of seconds in (0, 600], got \"soon\"")]
    [InlineData("""{ "hostRoot": { "a": 1 } }""", ": hostRoot: expected a string or a number")]
    [InlineData("""{ "stateDir": "" }""", ": stateDir: expected a path, got \"\"")]
    [InlineData("""[ 1 ]""", ": Top-level JSON element must be an object. Instead, 'Array' was found.")]
    public void ABadDropInIsOneLineNamingIt(string json, string expected)
    {
        DropIn("10-good.json", """{ "stateDir": "/good" }""");
        var bad = DropIn("20-bad.json", json);
        var message = Should.Throw<ConfigException>(() => ConfigLoader.Load(Main, [])).Message;
        message.ShouldStartWith(bad + expected);
        message.ShouldNotContain("\n");
        message.ShouldNotContain("LineNumber");
    }

    [Fact]
    public void AGroupWritableDropInIsRefusedByName()
    {
        var dropIn = DropIn("50-shared.json", """{ "stateDir": "/tmp/attacker" }""");
        File.SetUnixFileMode(dropIn, (UnixFileMode)0x1b4 /* 0664 */);
        Should.Throw<ConfigException>(() => ConfigLoader.Load(Main, [])).Message
            .ShouldBe($"{dropIn}: refused: must be owned by root and not writable by group or others (owner uid 0, mode 0664); chown root:root and chmod 644 it");
    }

    [Fact]
    public void ADropInOwnedByAnotherUserIsRefused()
    {
        var dropIn = DropIn("50-theirs.json", "{}");
        HookDispatcher.Tests.Rules.RuleDir.Chown(dropIn, 65534);
        Should.Throw<ConfigException>(() => ConfigLoader.Load(Main, [])).Message.ShouldStartWith($"{dropIn}: refused: must be owned by root");
    }
}
