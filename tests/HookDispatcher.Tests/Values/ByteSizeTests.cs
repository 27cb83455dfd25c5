using CsCheck;
using HookDispatcher.Values;
using Shouldly;

namespace HookDispatcher.Tests.Values;

public sealed class ByteSizeTests
{
    [Theory]
    [InlineData(null, 1024UL)]
    [InlineData("", 1024UL)]
    [InlineData("b", 1UL)]
    [InlineData("Bytes", 1UL)]
    [InlineData("byte", 1UL)]
    [InlineData("KB", 1000UL)]
    [InlineData("k", 1024UL)]
    [InlineData("KiB", 1024UL)]
    [InlineData("mb", 1000_000UL)]
    [InlineData("M", 1UL << 20)]
    [InlineData("MiB", 1UL << 20)]
    [InlineData("GB", 1000_000_000UL)]
    [InlineData("g", 1UL << 30)]
    [InlineData("GiB", 1UL << 30)]
    [InlineData("TB", 1000_000_000_000UL)]
    [InlineData("T", 1UL << 40)]
    [InlineData("TiB", 1UL << 40)]
    [InlineData("PB", 1000_000_000_000_000UL)]
    [InlineData("P", 1UL << 50)]
    [InlineData("PiB", 1UL << 50)]
    [InlineData("EB", 1000_000_000_000_000_000UL)]
    [InlineData("E", 1UL << 60)]
    [InlineData("EiB", 1UL << 60)]
    public void EveryLibvirtUnitHasItsMultiplier(string? unit, ulong multiplier)
    {
        ByteSize.TryUnitMultiplier(unit, out var actual).ShouldBeTrue();

        actual.ShouldBe(multiplier);
    }

    [Theory]
    [InlineData("XB")]
    [InlineData("KiBs")]
    [InlineData("Ki")]
    [InlineData("ZiB")]
    public void UnknownUnitsAreRejected(string unit) => ByteSize.TryUnitMultiplier(unit, out _).ShouldBeFalse();

    [Theory]
    [InlineData("15", "EiB", true)]
    [InlineData("16", "EiB", false)]
    [InlineData("18446744073709551615", "b", true)]
    [InlineData("18446744073709551616", "b", false)]
    [InlineData("-1", "b", false)]
    [InlineData("+1", "b", false)]
    [InlineData("1.0", "b", false)]
    [InlineData(null, "b", false)]
    public void ScalingChecksTheValueAndOverflow(string? value, string unit, bool ok) =>
        ByteSize.TryScale(value, unit, out _).ShouldBe(ok);

    [Theory]
    [InlineData("2M", ByteSize.TwoMiB)]
    [InlineData("2MiB", ByteSize.TwoMiB)]
    [InlineData("2048kB", ByteSize.TwoMiB)]
    [InlineData("2048KiB", ByteSize.TwoMiB)]
    [InlineData("1G", ByteSize.OneGiB)]
    [InlineData(" 1GiB ", ByteSize.OneGiB)]
    [InlineData("1048576kB", ByteSize.OneGiB)]
    public void PageSizesParseAsTheKernelNamesThem(string text, ulong bytes)
    {
        ByteSize.TryParsePageSize(text, out var actual).ShouldBeTrue();

        actual.ShouldBe(bytes);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("2")]
    [InlineData("M")]
    [InlineData("4M")]
    [InlineData("2MB")]
    [InlineData("auto")]
    public void OtherPageSizesAreRejectedAndGiveZero(string? text)
    {
        ByteSize.TryParsePageSize(text, out var bytes).ShouldBeFalse();

        bytes.ShouldBe(0UL);
    }

    [Theory]
    [InlineData(ByteSize.TwoMiB, "hugepages-2048kB")]
    [InlineData(ByteSize.OneGiB, "hugepages-1048576kB")]
    public void KernelPoolNamesAreInKiB(ulong pageSize, string name) => ByteSize.KernelPoolName(pageSize).ShouldBe(name);

    [Theory]
    [InlineData(16UL << 30, "16 GiB")]
    [InlineData(64UL << 20, "64 MiB")]
    [InlineData(1000UL, "1000 bytes")]
    public void HumanPicksTheLargestExactUnit(ulong bytes, string text) => ByteSize.Human(bytes).ShouldBe(text);

    [Fact]
    public void ParsingNeverThrowsOnArbitraryText()
    {
        Gen.String.Sample(text => { ByteSize.TryParsePageSize(text, out _); });
        Gen.String["0123456789kKMGTiB "].Sample(text => { ByteSize.TryParsePageSize(text, out _); });
        Gen.Select(Gen.String["0123456789-+ "], Gen.String).Sample((value, unit) =>
        {
            ByteSize.TryScale(value, unit, out _);
        });
    }
}
