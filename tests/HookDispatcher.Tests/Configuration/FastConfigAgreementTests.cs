using HookDispatcher.Configuration;
using HookDispatcher.Hook;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Configuration;

/// <summary>
/// The no-rules fast path decides from its own scan whether a domain has rules or state: for every combination of
/// the layers it must find the directories the full loader finds, and know when it could not.
/// </summary>
public sealed class FastConfigAgreementTests
{
    private static readonly string?[] MainFiles =
    [
        "{}",
        """{ "rulesDir": "rules", "systemBus": "unix:path=/b" }""",
        """{ "stateDir": "/main/state", "hostRoot": "root", "lockTimeoutSeconds": 3 }""",
        "{ \"rulesDir\": \"/main/rules\", // comment\n \"stateDir\": \"../state\", }",
    ];

    /// <summary>Each entry: the drop-ins written, by name (null: no config.d directory at all).</summary>
    private static readonly (string Name, string Json)[]?[] DropInSets =
    [
        null,
        [],
        [("50-state.json", """{ "stateDir": "/dropin/state" }""")],
        [("10-a.json", """{ "rulesDir": "/a/rules", "hostRoot": "/a/root" }"""), ("9-b.json", """{ "rulesDir": "b-rules" }""")],
        [("10-a.json", """{ "journalSocket": "/j" }"""), ("20-b.json", """{ "stateDir": "s", "rulesDir": "/b/rules" }""")],
    ];

    private static readonly KeyValuePair<string, string>[][] Environments =
    [
        [],
        [new("HOOKDISPATCHER_StateDir", "/env/state")],
        [new("HOOKDISPATCHER_RULESDIR", "/env/rules"), new("HOOKDISPATCHER_HostRoot", "/env/root")],
        [new("HOOKDISPATCHER_LockTimeoutSeconds", "9"), new("HOOKDISPATCHER_systemBus", "unix:path=/e")],
    ];

    [Fact]
    public void TheFastPathFindsTheFullLoadersDirectoriesForEveryLayerCombination()
    {
        var combinations = 0;
        foreach (var main in MainFiles)
        {
            foreach (var dropIns in DropInSets)
            {
                foreach (var environment in Environments)
                {
                    using var dir = new TempDir();
                    var path = Write(dir, main!, dropIns);
                    var full = ConfigLoader.Load(path, environment);
                    var what = $"main {main}, drop-ins {(dropIns is null ? "none" : string.Join(" ", dropIns.Select(d => d.Name + d.Json)))}, env {string.Join(" ", environment)}";
                    FastConfig.Read(path, environment).ShouldBe(new ConfigDirs(full.RulesDir, full.StateDir, full.HostRoot, Complete: true), what);
                    combinations++;
                }
            }
        }
        combinations.ShouldBe(MainFiles.Length * DropInSets.Length * Environments.Length);
    }

    /// <summary>A layer the full loader refuses: the fast path says it is not complete, so the full path runs and reports.</summary>
    [Theory]
    [InlineData("main", "{ \"rulesDir\": ")]
    [InlineData("drop-in", "{ \"stateDir\": ")]
    [InlineData("drop-in", """{ "stateDir": "" }""")]
    [InlineData("drop-in", """{ "StateDir": "/x" }""")]
    [InlineData("group-writable drop-in", """{ "stateDir": "/x" }""")]
    [InlineData("env", "relative")]
    [InlineData("env twice", "/x")]
    public void ALayerTheFullLoaderRefusesMakesTheFastPathIncomplete(string layer, string content)
    {
        using var dir = new TempDir();
        var path = Write(dir, layer == "main" ? content : "{}", layer.Contains("drop-in", StringComparison.Ordinal) ? [("50.json", content)] : null);
        if (layer == "group-writable drop-in")
        {
            File.SetUnixFileMode(dir.Join("etc", "config.d", "50.json"), (UnixFileMode)0x1b4);
        }
        KeyValuePair<string, string>[] environment = layer switch
        {
            "env" => [new("HOOKDISPATCHER_StateDir", content)],
            "env twice" => [new("HOOKDISPATCHER_STATEDIR", content), new("HOOKDISPATCHER_StateDir", content)],
            _ => [],
        };
        Should.Throw<ConfigException>(() => ConfigLoader.Load(path, environment));
        FastConfig.Read(path, environment).Complete.ShouldBeFalse();
    }

    [Fact]
    public void WhatComesBeforeASyntaxErrorIsKeptForARelease()
    {
        using var dir = new TempDir();
        var path = Write(dir, """{ "stateDir": "/main/state", "hostRoot": "/main/root", "rulesDir": """, [("50.json", """{ "hostRoot": "/d/root" }""")]);
        FastConfig.Read(path, []).ShouldBe(new ConfigDirs(HookConfig.DefaultRulesDir, "/main/state", "/d/root", Complete: false));
    }

    [Fact]
    public void AnUnsafeFileIsNeverTrustedForItsDirectories()
    {
        using var dir = new TempDir();
        var path = Write(dir, """{ "stateDir": "/main/state" }""", [("50.json", """{ "stateDir": "/attacker/state" }""")]);
        File.SetUnixFileMode(dir.Join("etc", "config.d", "50.json"), (UnixFileMode)0x1b6);
        FastConfig.Read(path, []).ShouldBe(new ConfigDirs(HookConfig.DefaultRulesDir, "/main/state", "/", Complete: false));
    }

    private static string Write(TempDir dir, string main, (string Name, string Json)[]? dropIns)
    {
        Directory.CreateDirectory(dir.Join("etc"));
        var path = dir.Join("etc", "config.json");
        File.WriteAllText(path, main);
        if (dropIns is not null)
        {
            Directory.CreateDirectory(dir.Join("etc", "config.d"));
            foreach (var (name, json) in dropIns)
            {
                File.WriteAllText(dir.Join("etc", "config.d", name), json);
            }
        }
        return path;
    }
}
