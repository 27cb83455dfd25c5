using HookDispatcher.Values;
using Shouldly;

namespace HookDispatcher.Tests.Values;

public sealed class CpuSetTests
{
    [Theory]
    [InlineData("0-3,8,10-11", "0-3,8,10-11")]
    [InlineData("0-7,^2", "0-1,3-7")]
    [InlineData("3,1,2", "1-3")]
    [InlineData(" ", "")]
    public void ParsesKernelAndLibvirtListSyntax(string text, string canonical) =>
        CpuSet.Parse(text).ToString().ShouldBe(canonical);

    [Theory]
    [InlineData("a")]
    [InlineData("3-1")]
    [InlineData("0-99999")]
    [InlineData("1,,2")]
    [InlineData("-1")]
    public void RejectsBadLists(string text) => CpuSet.TryParse(text, out _, out _).ShouldBeFalse();

    [Fact]
    public void MaskIsLeastSignificantBitFirstPerByte() =>
        CpuSet.Parse("0-3,8").ToMask().ShouldBe(new byte[] { 0x0F, 0x01 });
}
