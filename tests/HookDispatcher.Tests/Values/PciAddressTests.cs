using CsCheck;
using HookDispatcher.Values;
using Shouldly;

namespace HookDispatcher.Tests.Values;

public sealed class PciAddressTests
{
    [Theory]
    [InlineData("0000:0a:00.1", 0, 0x0a, 0, 1)]
    [InlineData("ABCD:FF:1F.7", 0xabcd, 0xff, 0x1f, 7)]
    public void ParsesTheSysfsForm(string text, int segment, int bus, int slot, int function)
    {
        PciAddress.TryParse(text, out var address).ShouldBeTrue();

        address.ShouldBe(new PciAddress((ushort)segment, (byte)bus, (byte)slot, (byte)function));
    }

    [Fact]
    public void FormatsAsLowerCaseSysfsName() =>
        new PciAddress(0xabcd, 0x0a, 0x1f, 7).ToString().ShouldBe("abcd:0a:1f.7");

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0a:00.1")]
    [InlineData("0000:0a:00.1 ")]
    [InlineData("0000:0a:20.0")]
    [InlineData("0000:0a:00.8")]
    [InlineData("0000-0a:00.1")]
    [InlineData("0000:0g:00.1")]
    [InlineData("+000:0a:00.1")]
    public void RejectsAnythingElse(string? text) => PciAddress.TryParse(text, out _).ShouldBeFalse();

    [Theory]
    [InlineData("0x0000", "0x0a", "0x00", "0x1", "0000:0a:00.1")]
    [InlineData("0XFFFF", "0xff", "0x1f", "0x7", "ffff:ff:1f.7")]
    [InlineData("0", "222", "31", "1", "0000:de:1f.1")]
    [InlineData("0", "10", "017", "07", "0000:0a:0f.7")]
    [InlineData("00000000", "0012", "0", "0", "0000:0a:00.0")]
    public void FromPartsReadsNumbersAsLibvirtDoesHexOctalOrDecimal(string d, string b, string s, string f, string expected)
    {
        PciAddress.TryFromParts(d, b, s, f, out var address, out var error).ShouldBeTrue(error);

        address.ToString().ShouldBe(expected);
    }

    [Theory]
    [InlineData("0x10000", "0", "0", "0", "PCI address domain '0x10000' is not a number 0-65535 (0x0-0xffff; libvirt reads 0x… as hex, 0… as octal, else decimal)")]
    [InlineData("0", "0x100", "0", "0", "PCI address bus '0x100' is not a number 0-255 (0x0-0xff; libvirt reads 0x… as hex, 0… as octal, else decimal)")]
    [InlineData("0", "256", "0", "0", "PCI address bus '256' is not a number 0-255 (0x0-0xff; libvirt reads 0x… as hex, 0… as octal, else decimal)")]
    [InlineData("0", "0", "0x20", "0", "PCI address slot '0x20' is not a number 0-31 (0x0-0x1f; libvirt reads 0x… as hex, 0… as octal, else decimal)")]
    [InlineData("0", "0", "32", "0", "PCI address slot '32' is not a number 0-31 (0x0-0x1f; libvirt reads 0x… as hex, 0… as octal, else decimal)")]
    [InlineData("0", "0", "0", "8", "PCI address function '8' is not a number 0-7 (0x0-0x7; libvirt reads 0x… as hex, 0… as octal, else decimal)")]
    [InlineData("0", "", "0", "0", "PCI address bus '' is not a number 0-255 (0x0-0xff; libvirt reads 0x… as hex, 0… as octal, else decimal)")]
    [InlineData("0", "0x", "0", "0", "PCI address bus '0x' is not a number 0-255 (0x0-0xff; libvirt reads 0x… as hex, 0… as octal, else decimal)")]
    [InlineData("0", "-1", "0", "0", "PCI address bus '-1' is not a number 0-255 (0x0-0xff; libvirt reads 0x… as hex, 0… as octal, else decimal)")]
    [InlineData("0", "0a", "0", "0", "PCI address bus '0a' is not a number 0-255 (0x0-0xff; libvirt reads 0x… as hex, 0… as octal, else decimal)")]
    [InlineData("0", "08", "0", "0", "PCI address bus '08' is not a number 0-255 (0x0-0xff; libvirt reads 0x… as hex, 0… as octal, else decimal)")]
    [InlineData("0", "1f", "0", "0", "PCI address bus '1f' is not a number 0-255 (0x0-0xff; libvirt reads 0x… as hex, 0… as octal, else decimal)")]
    [InlineData("0", "100000000000", "0", "0", "PCI address bus '100000000000' is not a number 0-255 (0x0-0xff; libvirt reads 0x… as hex, 0… as octal, else decimal)")]
    [InlineData("0", null, "0", "0", "PCI address has no 'bus' attribute")]
    public void FromPartsRejectsOutOfRangeOrMalformedPartsQuotingThem(
        string d, string? b, string s, string f, string reason)
    {
        PciAddress.TryFromParts(d, b, s, f, out _, out var error).ShouldBeFalse();

        error.ShouldBe(reason);
    }

    private static readonly Gen<PciAddress> Addresses = Gen.Select(Gen.UShort, Gen.Byte, Gen.Int[0, 0x1f], Gen.Int[0, 7],
        (d, b, s, f) => new PciAddress(d, b, (byte)s, (byte)f));

    [Fact]
    public void TryParseNeverThrowsOnArbitraryText()
    {
        Gen.String.Sample(text => { PciAddress.TryParse(text, out _); });
        Gen.String["0123456789abcdefABCDEFgx:. -"].Sample(text => { PciAddress.TryParse(text, out _); });
    }

    [Fact]
    public void TryFromPartsNeverThrowsOnArbitraryText() =>
        Gen.Select(Gen.String, Gen.String["0123456789abcdefx -"]).Sample((a, b) =>
        {
            PciAddress.TryFromParts(a, b, b, a, out _, out _);
        });

    [Fact]
    public void ParsingToStringRoundTrips() =>
        Addresses.Sample(address =>
        {
            PciAddress.TryParse(address.ToString(), out var parsed).ShouldBeTrue();
            parsed.ShouldBe(address);
        });
}
