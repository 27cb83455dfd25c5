using HookDispatcher.DBus;
using Shouldly;

namespace HookDispatcher.Tests.DBus;

public sealed class SignatureTests
{
    [Theory]
    [InlineData("")]
    [InlineData("sba(sv)")]
    [InlineData("a{sa(iu)}")]
    [InlineData("ssa(sv)a(sa(sv))")]
    [InlineData("aay")]
    public void ValidSignaturesAreAccepted(string signature) => Signature.TryValidate(signature, out _).ShouldBeTrue();

    [Theory]
    [InlineData("a", "ends in the middle")]
    [InlineData("()", "empty struct")]
    [InlineData("(s", "not closed")]
    [InlineData("a{vs}", "basic key")]
    [InlineData("a{sss}", "exactly a key and a value")]
    [InlineData("{ss}", "not a type that can start here")]
    [InlineData("z", "not a type that can start here")]
    public void InvalidSignaturesAreRefusedWithAReason(string signature, string reason)
    {
        Signature.TryValidate(signature, out var error).ShouldBeFalse();
        error.ShouldContain(reason);
    }

    [Fact]
    public void ArraysNestedDeeperThanThirtyTwoAreRefused()
    {
        Signature.TryValidate(new string('a', 32) + "y", out _).ShouldBeTrue();
        Signature.TryValidate(new string('a', 33) + "y", out _).ShouldBeFalse();
    }

    [Fact]
    public void ASignatureSplitsIntoItsCompleteTypes() =>
        Signature.SplitCompleteTypes("ssa(sv)a{sv}v").ShouldBe(["s", "s", "a(sv)", "a{sv}", "v"]);

    [Theory]
    [InlineData("/", true)]
    [InlineData("/org/freedesktop/systemd1/unit/foo_2eservice", true)]
    [InlineData("", false)]
    [InlineData("/a/", false)]
    [InlineData("//a", false)]
    [InlineData("/a-b", false)]
    public void ObjectPathsFollowTheSpecification(string path, bool valid) => ObjectPath.IsValid(path).ShouldBe(valid);
}
