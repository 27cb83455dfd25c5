using CsCheck;
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

    [Theory]
    [InlineData("0-7,^2-3,^7", "0-1,4-6")]
    [InlineData("^1", "")]
    [InlineData("1, 2 ,3", "1-3")]
    [InlineData("8191", "8191")]
    public void ExclusionsAndSpacesFollowLibvirt(string text, string canonical) =>
        CpuSet.Parse(text).ToString().ShouldBe(canonical);

    [Fact]
    public void ErrorsQuoteThePartAndTheList()
    {
        CpuSet.TryParse("0-3,x", out _, out var error).ShouldBeFalse();

        error.ShouldBe("'x' in CPU list '0-3,x': expected a CPU number 0-8191 or a range like 0-3");
    }

    [Fact]
    public void NullIsRejectedWithAReason()
    {
        CpuSet.TryParse(null, out _, out var error).ShouldBeFalse();

        error.ShouldNotBeEmpty();
    }

    [Fact]
    public void OfRejectsCpusOutsideTheSupportedRange()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => CpuSet.Of([-1]));
        Should.Throw<ArgumentOutOfRangeException>(() => CpuSet.Of([CpuSet.MaxCpu + 1]));
    }

    [Fact]
    public void SetOperationsKeepTheSetsCanonical()
    {
        var a = CpuSet.Parse("0-7");
        var b = CpuSet.Parse("4-11");

        a.Union(b).ToString().ShouldBe("0-11");
        a.Except(b).ToString().ShouldBe("0-3");
        a.Intersect(b).ToString().ShouldBe("4-7");
        a.Contains(7).ShouldBeTrue();
        a.Contains(8).ShouldBeFalse();
    }

    [Fact]
    public void EqualSetsHaveEqualHashCodes() =>
        CpuSet.Parse("3,1-2").GetHashCode().ShouldBe(CpuSet.Of([1, 2, 3]).GetHashCode());

    [Fact]
    public void AnEmptySetHasAnEmptyMaskAndString()
    {
        CpuSet.Empty.ToMask().ShouldBeEmpty();
        CpuSet.Empty.ToString().ShouldBe("");
        CpuSet.FromMask([0, 0]).ShouldBe(CpuSet.Empty);
    }

    private static readonly Gen<CpuSet> Sets = Gen.Int[0, CpuSet.MaxCpu].Array[0, 64].Select(CpuSet.Of);

    private static readonly Gen<CpuSet> DenseSets = Gen.Int[0, 40].Array[0, 30].Select(CpuSet.Of);

    [Fact]
    public void TryParseNeverThrowsOnArbitraryText()
    {
        Gen.String.Sample(text => { CpuSet.TryParse(text, out _, out _); });
        Gen.String["0123456789-,^ "].Sample(text =>
        {
            if (!CpuSet.TryParse(text, out _, out var error))
            {
                error.ShouldNotBeEmpty();
            }
        });
    }

    [Fact]
    public void ParsingTheCanonicalStringGivesTheSameSet()
    {
        Sets.Sample(set => CpuSet.Parse(set.ToString()).ShouldBe(set));
        DenseSets.Sample(set => CpuSet.Parse(set.ToString()).ShouldBe(set));
    }

    [Fact]
    public void TheMaskRoundTrips() =>
        Sets.Sample(set => CpuSet.FromMask(set.ToMask()).ShouldBe(set));
}
