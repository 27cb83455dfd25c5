using HookDispatcher.Rules;
using Shouldly;

namespace HookDispatcher.Tests.Rules;

public sealed class RuleSecurityTests
{
    private const string Rules = """{ "hugepages": true }""";

    [Fact]
    public void RootOwnedFilesThatOnlyRootMayWriteAreLoaded()
    {
        using var dir = new RuleDir();
        dir.Write("vm.json", Rules);
        dir.Write("vm.d/10.json", Rules);
        dir.Load("vm").Errors.ShouldBeEmpty();
    }

    [Fact]
    public void AFileOwnedByAnotherUserIsRefusedNamingOwnerAndMode()
    {
        using var dir = new RuleDir();
        var file = dir.Write("vm.json", Rules);
        RuleDir.Chown(file, 65534);
        var result = dir.Load("vm");
        result.Rules.ShouldBeNull();
        result.Errors.ShouldHaveSingleItem().ToString().ShouldBe(
            $"{file}: refused: must be owned by root and not writable by group or others (owner uid 65534, mode 0644)");
    }

    [Theory]
    [InlineData(UnixFileMode.GroupWrite, "0664")]
    [InlineData(UnixFileMode.OtherWrite, "0646")]
    public void AGroupOrWorldWritableFileIsRefused(UnixFileMode extra, string mode)
    {
        using var dir = new RuleDir();
        var file = dir.Write("vm.d/10.json", Rules);
        File.SetUnixFileMode(file, File.GetUnixFileMode(file) | extra);
        dir.Load("vm").Errors.ShouldHaveSingleItem().Message.ShouldContain($"owner uid 0, mode {mode}");
    }

    [Fact]
    public void AnUnsafeRulesDirectoryIsRefused()
    {
        using var dir = new RuleDir();
        dir.Write("vm.json", Rules);
        File.SetUnixFileMode(dir.Path, File.GetUnixFileMode(dir.Path) | UnixFileMode.OtherWrite);
        var error = dir.Load("vm").Errors.ShouldHaveSingleItem();
        error.File.ShouldBe(dir.Path);
        error.Message.ShouldContain("mode 0757");
    }

    [Fact]
    public void ADropInDirectoryOwnedByAnotherUserIsRefused()
    {
        using var dir = new RuleDir();
        dir.Write("vm.json", Rules);
        dir.Write("vm.d/10.json", Rules);
        RuleDir.Chown(Path.Combine(dir.Path, "vm.d"), 65534);
        var result = dir.Load("vm");
        result.Rules.ShouldBeNull();
        result.Errors.ShouldHaveSingleItem().Message.ShouldContain("owner uid 65534, mode 0755");
    }

    [Fact]
    public void ContentOfAnUnsafeFileIsNotParsed()
    {
        using var dir = new RuleDir();
        var file = dir.Write("vm.json", "not json");
        RuleDir.Chown(file, 65534);
        dir.Load("vm").Errors.ShouldHaveSingleItem().Message.ShouldStartWith("refused: must be owned by root");
    }

    [Fact]
    public void ASymlinkResolvingOutsideTheRulesDirectoryIsRefused()
    {
        using var dir = new RuleDir();
        var outside = Path.Combine(dir.Root, "elsewhere.json");
        File.WriteAllText(outside, Rules);
        var link = Path.Combine(dir.Path, "vm.json");
        File.CreateSymbolicLink(link, outside);
        dir.Load("vm").Errors.ShouldHaveSingleItem().ToString()
            .ShouldBe($"{link}: refused: resolves to '{outside}', outside the rules directory '{dir.Path}'");
    }

    [Fact]
    public void ASymlinkInsideTheRulesDirectoryIsFollowed()
    {
        using var dir = new RuleDir();
        var shared = dir.Write("shared/gaming.json", Rules);
        File.CreateSymbolicLink(Path.Combine(dir.Path, "vm.json"), shared);
        dir.Load("vm").Rules.ShouldNotBeNull().Hugepages.ShouldNotBeNull();
    }

    [Fact]
    public void ADanglingSymlinkIsReportedNotIgnored()
    {
        using var dir = new RuleDir();
        var link = Path.Combine(dir.Path, "vm.json");
        File.CreateSymbolicLink(link, Path.Combine(dir.Path, "gone.json"));
        dir.Load("vm").Errors.ShouldHaveSingleItem().ToString().ShouldBe($"{link}: refused: cannot resolve: ENOENT");
    }

    [Fact]
    public void EditorLeftoversInADropInDirectoryAreSkippedAndNamed()
    {
        using var dir = new RuleDir();
        dir.Write("vm.json", Rules);
        dir.Write("vm.d/50-more.json", """{ "hugepages": { "count": 8 } }""");
        dir.Write("vm.d/.50-more.json.swp", "\u0000binary");
        dir.Write("vm.d/.60-hidden.json", """{ "hugepages": { "count": 999 } }""");
        File.CreateSymbolicLink(Path.Combine(dir.Path, "vm.d", ".#50-more.json"), "root@host.1234:1700000000");
        File.CreateSymbolicLink(Path.Combine(dir.Path, "vm.d", "70-gone.json"), Path.Combine(dir.Path, "gone.json"));

        var loaded = dir.Load("vm");
        loaded.Errors.ShouldBeEmpty();
        loaded.Rules!.Hugepages!.Count.ShouldBe(8UL);
        loaded.Rules.Sources.Select(Path.GetFileName).ShouldBe(["vm.json", "50-more.json"]);
        RuleLoader.SkippedDropIns(dir.Path, "vm").Select(s => $"{Path.GetFileName(s.File)}: {s.Reason}").ShouldBe([
            ".#50-more.json: hidden file (an editor's leftover?)",
            ".50-more.json.swp: hidden file (an editor's leftover?)",
            ".60-hidden.json: hidden file (an editor's leftover?)",
            $"70-gone.json: dangling symlink to '{Path.Combine(dir.Path, "gone.json")}'",
        ]);
    }

    [Fact]
    public void ValidatingFilesChecksContentOnly()
    {
        using var dir = new RuleDir();
        var file = dir.Write("vm.json", Rules);
        RuleDir.Chown(file, 65534);
        new RuleLoader().LoadFiles([file]).Errors.ShouldBeEmpty();
    }
}
