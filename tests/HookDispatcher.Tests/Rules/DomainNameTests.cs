using HookDispatcher.Rules;
using Shouldly;

namespace HookDispatcher.Tests.Rules;

public sealed class DomainNameTests
{
    [Theory]
    [InlineData("win11")]
    [InlineData("my vm (old)")]
    [InlineData(".hidden")]
    [InlineData("ünïcode")]
    public void OrdinaryNamesAreValid(string name) => RuleLoader.IsValidDomainName(name, out _).ShouldBeTrue();

    [Theory]
    [InlineData("", "empty")]
    [InlineData(".", "not allowed")]
    [InlineData("..", "not allowed")]
    [InlineData("../etc/passwd", "contains '/'")]
    [InlineData("a\0b", "NUL")]
    public void NamesThatCouldEscapeTheRulesDirectoryAreInvalid(string name, string reason)
    {
        RuleLoader.IsValidDomainName(name, out var error).ShouldBeFalse();
        error.ShouldContain(reason);
    }

    [Fact]
    public void NamesLongerThan255BytesAreInvalid()
    {
        RuleLoader.IsValidDomainName(new string('a', 255), out _).ShouldBeTrue();
        RuleLoader.IsValidDomainName(new string('ü', 128), out var error).ShouldBeFalse();
        error.ShouldContain("255 bytes");
    }

    [Fact]
    public void LoadReportsAnInvalidNameInsteadOfThrowing()
    {
        using var dir = new RuleDir();
        dir.Load("../x").Errors.ShouldHaveSingleItem().Message.ShouldContain("contains '/'");
    }

    [Fact]
    public void FilesForRefusesAnInvalidName() =>
        Should.Throw<ArgumentException>(() => RuleLoader.FilesFor("/etc/hookdispatcher/hooks.d", ".."));
}
