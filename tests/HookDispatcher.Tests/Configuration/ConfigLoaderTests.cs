using HookDispatcher.Configuration;
using HookDispatcher.Hook;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Configuration;

public sealed class ConfigLoaderTests
{
    [Fact]
    public void EveryKeyIsReadAndRelativePathsFollowTheConfigFile()
    {
        using var dir = new TempDir();
        var file = dir.Join("etc", "config.json");
        Directory.CreateDirectory(dir.Join("etc"));
        File.WriteAllText(file, """
            { "rulesDir": "rules", "stateDir": "/run/x", "hostRoot": "../root", "systemBus": "unix:path=/tmp/bus",
              "journalSocket": "/tmp/j", "lockTimeoutSeconds": 2.5 }
            """);
        var config = ConfigLoader.Load(file);
        config.ShouldBe(new HookConfig(dir.Join("etc", "rules"), "/run/x", dir.Join("root"), "unix:path=/tmp/bus", "/tmp/j", TimeSpan.FromSeconds(2.5)));
    }

    [Fact]
    public void AConfigFileOwnedByAnotherUserIsRefused()
    {
        using var dir = new TempDir();
        var file = dir.Join("config.json");
        File.WriteAllText(file, """{ "rulesDir": "/tmp/attacker" }""");
        HookDispatcher.Tests.Rules.RuleDir.Chown(file, 65534);
        Should.Throw<ConfigException>(() => ConfigLoader.Load(file)).Message
            .ShouldBe($"{file}: refused: must be owned by root and not writable by group or others (owner uid 65534, mode 0644); chown root:root and chmod 644 it");
    }

    [Theory]
    [InlineData(UnixFileMode.GroupWrite, "0664")]
    [InlineData(UnixFileMode.OtherWrite, "0646")]
    public void AGroupOrOtherWritableConfigFileIsRefused(UnixFileMode extra, string mode)
    {
        using var dir = new TempDir();
        var file = dir.Join("config.json");
        File.WriteAllText(file, "{}");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead | extra);
        Should.Throw<ConfigException>(() => ConfigLoader.Load(file)).Message.ShouldContain($"(owner uid 0, mode {mode})");
    }

    [Fact]
    public void AMissingDefaultFileMeansDefaultsButAMissingExplicitFileIsAnError()
    {
        if (!File.Exists(HookConfig.DefaultPath))
        {
            ConfigLoader.Load(HookConfig.DefaultPath).ShouldBe(HookConfig.Defaults);
        }
        Should.Throw<ConfigException>(() => ConfigLoader.Load("/nonexistent/c.json")).Message.ShouldBe("/nonexistent/c.json: config file not found");
    }

    [Theory]
    [InlineData("""{ "rulesdir": "/x" }""", "unknown key \"rulesdir\"")]
    [InlineData("""{ "lockTimeoutSeconds": "soon" }""", "lockTimeoutSeconds: expected a number of seconds in (0, 600], got \"soon\"")]
    [InlineData("""{ "lockTimeoutSeconds": 0 }""", "lockTimeoutSeconds")]
    [InlineData("""{ "stateDir": "" }""", "stateDir: expected a path")]
    [InlineData("""{ "rulesDir": """, "c.json:")]
    public void BadContentIsOneLineNamingTheFileAndTheValue(string json, string expected)
    {
        using var dir = new TempDir();
        var file = dir.Join("c.json");
        File.WriteAllText(file, json);
        var message = Should.Throw<ConfigException>(() => ConfigLoader.Load(file)).Message;
        message.ShouldStartWith(file + ": ");
        message.ShouldContain(expected);
        message.ShouldNotContain("\n");
    }

    [Theory]
    [InlineData("""{ "rulesDir": "/r", "stateDir": "/s", "hostRoot": "/h" }""")]
    [InlineData("""{ "rulesDir": "rel/r" }""")]
    [InlineData("""{ "journalSocket": "/j", "stateDir": "../s" }""")]
    [InlineData("""{ }""")]
    [InlineData("{ \"rulesDir\": \"/r\", // the rules\n \"stateDir\": \"/s\", }")]
    public void TheFastPathFindsTheSameDirectoriesAsTheFullLoader(string json)
    {
        using var dir = new TempDir();
        var file = dir.Join("c.json");
        File.WriteAllText(file, json);
        var full = ConfigLoader.Load(file, []);
        FastConfig.Read(file, []).ShouldBe(new ConfigDirs(full.RulesDir, full.StateDir, full.HostRoot, Complete: true));
    }

    [Theory]
    [InlineData("""{ "rulesDir": """)]
    [InlineData("""{ "rulesDir": "" }""")]
    [InlineData("""{ "RulesDir": "/r" }""")]
    [InlineData("""{ "stateDir": "/a", "stateDir": "/b" }""")]
    public void TheFastPathDefersABrokenConfigToTheFullLoader(string json)
    {
        using var dir = new TempDir();
        var file = dir.Join("c.json");
        File.WriteAllText(file, json);
        FastConfig.Read(file, []).Complete.ShouldBeFalse();
        Should.Throw<ConfigException>(() => ConfigLoader.Load(file, []));
    }
}
