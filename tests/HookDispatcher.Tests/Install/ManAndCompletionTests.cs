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
    public void CompletionOffersCommandsOptionsAndDomainsFromTheRulesDirectory(string line, string expected)
    {
        var script = $$"""
            source '{{Repo("install/completion/hookctl.bash")}}'
            COMP_WORDS=({{line}})
            COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
            _hookctl
            echo "${COMPREPLY[*]}"
            """;
        var result = HookProcess.Run("/bin/bash", ["-c", script],
            env: new Dictionary<string, string> { ["HOOKDISPATCHER_CONFIG"] = Repo("hooks.d/examples/simhost.config.json") });
        result.ExitCode.ShouldBe(0, result.Stderr);
        result.Stdout.Trim().ShouldBe(expected);
    }
}
