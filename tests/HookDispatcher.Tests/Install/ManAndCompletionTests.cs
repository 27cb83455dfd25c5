using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Install;

/// <summary>The man pages, the bash completion, and that install.sh and the .deb ship them.</summary>
public sealed class ManAndCompletionTests
{
    private static readonly string[] Pages = ["install/man/hookctl.1", "install/man/hookdispatcher-rules.5"];

    private static string Repo(string relative) => Path.Join(HookProcess.RepoRoot, relative);

    private static void SkipUnlessInstalled(string program, string package) =>
        Assert.SkipUnless(File.Exists(program), $"{program} is not installed (Debian package {package}); .ci/run's image has it");

    [Theory]
    [InlineData("install/man/hookctl.1", "HOOKCTL(1)", "doctor [DOMAIN...] [--xml FILE] [--json]")]
    [InlineData("install/man/hookctl.1", "HOOKCTL(1)", "pin DOMAIN [--vcpus N] [--host-cores K] [--xml FILE] [--json]")]
    [InlineData("install/man/hookdispatcher-rules.5", "HOOKDISPATCHER-RULES(5)", "wholeIommuGroup (boolean, true)")]
    public void TheManPageRendersWithManDashLAndNoGroffWarnings(string page, string header, string text)
    {
        SkipUnlessInstalled("/usr/bin/man", "man-db");
        var result = HookProcess.Run("/usr/bin/man", ["--warnings=w", "-l", Repo(page)],
            env: new Dictionary<string, string> { ["MANWIDTH"] = "120", ["MANPAGER"] = "cat", ["PAGER"] = "cat", ["MAN_KEEP_FORMATTING"] = "" });
        result.ExitCode.ShouldBe(0, result.Stderr);
        result.Stderr.ShouldBeEmpty();
        result.Stdout.ShouldStartWith(header);
        result.Stdout.ShouldContain(text);
    }

    [Fact]
    public void InstallShipsTheManPagesAndTheCompletionAndUninstallRemovesThem()
    {
        using var root = new TempDir();
        var install = HookProcess.Run("/bin/bash", [Repo("install/install.sh"), "--root", root.Path, "--binary", HookProcess.Binary]);
        install.ExitCode.ShouldBe(0, install.Stderr);
        string[] shipped = ["usr/local/share/man/man1/hookctl.1", "usr/local/share/man/man5/hookdispatcher-rules.5", "usr/local/share/bash-completion/completions/hookctl"];
        foreach (var file in shipped)
        {
            File.GetUnixFileMode(root.Join(file)).ShouldBe((UnixFileMode)0x1a4, file); // 0644
        }
        HookProcess.Run("/bin/bash", [Repo("install/uninstall.sh"), "--root", root.Path]).ExitCode.ShouldBe(0);
        shipped.ShouldAllBe(file => !File.Exists(root.Join(file)));
    }

    [Fact]
    public void TheDebContainsTheManPagesAndTheCompletion()
    {
        SkipUnlessInstalled("/usr/bin/dpkg-deb", "dpkg");
        _ = HookProcess.Binary;
        using var dest = new TempDir();
        var build = HookProcess.Run("/bin/bash", [Repo("build.sh"), "package"], env: new Dictionary<string, string> { ["DEB_OUT"] = dest.Path });
        build.ExitCode.ShouldBe(0, build.Stderr);
        var deb = Directory.GetFiles(dest.Path, "hookdispatcher_*.deb").ShouldHaveSingleItem();
        var contents = HookProcess.Run("/usr/bin/dpkg-deb", ["-c", deb]);
        contents.ExitCode.ShouldBe(0, contents.Stderr);
        contents.Stdout.ShouldContain("./usr/share/man/man1/hookctl.1.gz");
        contents.Stdout.ShouldContain("./usr/share/man/man5/hookdispatcher-rules.5.gz");
        contents.Stdout.ShouldContain("./usr/share/bash-completion/completions/hookctl");
    }

    [Theory]
    [InlineData("hookctl d", "doctor")]
    [InlineData("hookctl doctor w", "win11")]
    [InlineData("hookctl test win11 st", "start started")]
    [InlineData("hookctl status --j", "--json")]
    [InlineData("hookctl test win11 prepare --a", "--apply")]
    [InlineData("hookctl p", "pin")]
    [InlineData("hookctl pin w", "win11")]
    [InlineData("hookctl pin --vcpus 8 w", "win11")]
    [InlineData("hookctl pin win11 --h", "--host-cores --help")]
    public void CompletionOffersCommandsOptionsAndDomainsFromTheRulesDirectory(string line, string expected) =>
        Complete(line, Repo("hooks.d/examples/simhost.config.json")).ShouldBe(expected);

    /// <summary>forget's second argument is a record id: those the domain's state file holds, the new sections' too.</summary>
    [Theory]
    [InlineData("hookctl forget win11 ", "services.stop lookingGlass.kvmfr gpu.resetMethod.0000:01:00.0 gpu.bind.0000:01:00.0")]
    [InlineData("hookctl forget win11 g", "gpu.resetMethod.0000:01:00.0 gpu.bind.0000:01:00.0")]
    [InlineData("hookctl forget --yes win11 l", "lookingGlass.kvmfr")]
    [InlineData("hookctl forget other ", "")]
    public void ForgetCompletesTheRecordIdsOfTheDomainsStateFile(string line, string expected)
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Join("state"));
        File.WriteAllText(dir.Join("config.json"), $$"""{ "rulesDir": "{{Repo("hooks.d/examples")}}", "stateDir": "state" }""");
        File.WriteAllText(dir.Join("state", "win11.json"), """
            { "version": 3, "domain": "win11", "steps": [
                { "id": "services.stop", "kind": "stopUnits", "event": "prepare begin", "status": "Done", "seq": 1, "data": {} },
                { "id": "lookingGlass.kvmfr", "kind": "lookingGlass.kvmfr", "event": "prepare begin", "status": "Done", "seq": 2, "data": {} },
                { "id": "gpu.resetMethod.0000:01:00.0", "kind": "gpu.resetMethod", "event": "prepare begin", "status": "Done", "seq": 3, "data": {} },
                { "id": "gpu.bind.0000:01:00.0", "kind": "gpu.bind", "event": "prepare begin", "status": "Intent", "seq": 4, "data": {} } ] }
            """);
        Complete(line, dir.Join("config.json")).ShouldBe(expected);
    }

    private static string Complete(string line, string config)
    {
        // COMP_WORDS as bash splits the line (a trailing space starts an empty word).
        var script = $$"""
            source '{{Repo("install/completion/hookctl.bash")}}'
            COMP_WORDS=({{line}})
            [[ '{{line}}' == *' ' ]] && COMP_WORDS+=('')
            COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
            _hookctl
            echo "${COMPREPLY[*]}"
            """;
        var result = HookProcess.Run("/bin/bash", ["-c", script], env: new Dictionary<string, string> { ["HOOKDISPATCHER_CONFIG"] = config });
        result.ExitCode.ShouldBe(0, result.Stderr);
        return result.Stdout.Trim();
    }
}
