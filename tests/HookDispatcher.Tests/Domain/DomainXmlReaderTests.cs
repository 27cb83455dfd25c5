using System.Text;
using HookDispatcher.Domain;
using HookDispatcher.Values;
using Shouldly;

namespace HookDispatcher.Tests.Domain;

public sealed class DomainXmlReaderTests
{
    private const ulong GiB = 1024UL * 1024 * 1024;

    /// <summary>A minimal valid domain with <paramref name="body"/> after name and memory.</summary>
    internal static string WithBody(string body, string memory = "<memory unit='KiB'>1024</memory>") =>
        $"<domain type='kvm'>\n  <name>t</name>\n  {memory}\n  {body}\n</domain>";

    private static DomainXmlException Fails(string xml) =>
        Should.Throw<DomainXmlException>(() => DomainXmlReader.Parse(xml, "stdin"));

    [Fact]
    public void ReadsEveryFieldOfARealisticGamingVm()
    {
        var info = DomainXmlReader.Parse(DomainXmlFixtures.GamingVm, "stdin");

        info.Name.ShouldBe("win11-gaming");
        info.Uuid.ShouldBe("5b1f0d0c-3a0e-4a53-9b7e-2f6c1d7a8e91");
        info.MemoryBytes.ShouldBe(16 * GiB);
        info.HugepagesRequested.ShouldBeTrue();
        info.Hugepages.ShouldBe([new HugepageBacking(GiB, CpuSet.Parse("0"))]);
        info.NumaMemoryNodes.ShouldBe(CpuSet.Parse("0"));
        info.PinnedCpus.ToString().ShouldBe("0-1,4-9,12-15");
        info.Hostdevs.ShouldBe([
            new HostdevPci(new PciAddress(0, 0x0a, 0, 0), false),
            new HostdevPci(new PciAddress(0, 0x0a, 0, 1), false),
        ]);
    }

    [Fact]
    public void ReadsATinyDomainWithoutHugepagesPinsOrHostdevs()
    {
        var info = DomainXmlReader.Parse(DomainXmlFixtures.Tiny, "stdin");

        info.Name.ShouldBe("tiny");
        info.Uuid.ShouldBe("0f6b1a2e-9d57-4c1b-8e3a-6a2d9c4b7f10");
        info.MemoryBytes.ShouldBe(64UL * 1024 * 1024);
        info.HugepagesRequested.ShouldBeFalse();
        info.Hugepages.ShouldBeEmpty();
        info.NumaMemoryNodes.ShouldBeNull();
        info.PinnedCpus.ShouldBe(CpuSet.Empty);
        info.Hostdevs.ShouldBeEmpty();
    }

    [Fact]
    public void ReadingAStreamGivesWhatParsingTheStringGives()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(DomainXmlFixtures.GamingVm));

        var info = DomainXmlReader.Read(stream, "stdin");

        info.ShouldBeEquivalentTo(DomainXmlReader.Parse(DomainXmlFixtures.GamingVm, "stdin"));
    }

    [Fact]
    public void AMissingUuidIsNull() =>
        DomainXmlReader.Parse(WithBody(""), "stdin").Uuid.ShouldBeNull();

    [Theory]
    [InlineData(null, 3UL * 1024)]
    [InlineData("", 3UL * 1024)]
    [InlineData("b", 3UL)]
    [InlineData("byte", 3UL)]
    [InlineData("bytes", 3UL)]
    [InlineData("KB", 3UL * 1000)]
    [InlineData("k", 3UL * 1024)]
    [InlineData("KiB", 3UL * 1024)]
    [InlineData("MB", 3UL * 1000 * 1000)]
    [InlineData("M", 3UL << 20)]
    [InlineData("MiB", 3UL << 20)]
    [InlineData("GB", 3UL * 1000 * 1000 * 1000)]
    [InlineData("G", 3UL << 30)]
    [InlineData("gib", 3UL << 30)]
    [InlineData("TB", 3UL * 1000 * 1000 * 1000 * 1000)]
    [InlineData("T", 3UL << 40)]
    [InlineData("TiB", 3UL << 40)]
    [InlineData("PB", 3UL * 1000 * 1000 * 1000 * 1000 * 1000)]
    [InlineData("P", 3UL << 50)]
    [InlineData("PiB", 3UL << 50)]
    [InlineData("EB", 3UL * 1000 * 1000 * 1000 * 1000 * 1000 * 1000)]
    [InlineData("E", 3UL << 60)]
    [InlineData("EiB", 3UL << 60)]
    public void MemoryIsScaledByEveryLibvirtUnit(string? unit, ulong bytes)
    {
        var memory = unit is null ? "<memory>3</memory>" : $"<memory unit='{unit}'>3</memory>";

        DomainXmlReader.Parse(WithBody("", memory), "stdin").MemoryBytes.ShouldBe(bytes);
    }

    [Theory]
    [InlineData("abc", "KiB", "'abc'")]
    [InlineData("-1", "KiB", "'-1'")]
    [InlineData("1.5", "GiB", "'1.5'")]
    [InlineData("16", "EiB", "'16'")]
    [InlineData("18446744073709551616", "b", "'18446744073709551616'")]
    [InlineData("", "KiB", "''")]
    [InlineData("16", "XB", "unit 'XB'")]
    public void ABadMemorySizeIsAnErrorQuotingIt(string value, string unit, string quoted) =>
        Fails(WithBody("", $"<memory unit='{unit}'>{value}</memory>")).Message.ShouldContain(quoted);

    [Fact]
    public void ErrorsNameTheSourceLineAndColumn() =>
        Fails(WithBody("", "<memory unit='KiB'>lots</memory>")).Message
            .ShouldBe("stdin: line 3, column 4: <memory> size 'lots' KiB is not a whole number of bytes below 2^64");

    [Fact]
    public void AMissingMemoryElementIsAnError() =>
        Fails("<domain><name>t</name></domain>").Message.ShouldEndWith("no <memory> element");

    [Theory]
    [InlineData("<domain><memory>1</memory></domain>", "no <name> element")]
    [InlineData("<domain><name> </name><memory>1</memory></domain>", "<name> is empty")]
    [InlineData("<domainsnapshot><name>t</name></domainsnapshot>", "root element is <domainsnapshot>, expected <domain>")]
    [InlineData("<domain xmlns='urn:x'><name>t</name></domain>", "root element is <{urn:x}domain>")]
    public void TheRootMustBeADomainWithAName(string xml, string reason) =>
        Fails(xml).Message.ShouldContain(reason);

    [Fact]
    public void AnExternalEntityIsRejectedNotResolved()
    {
        const string xml = """
            <?xml version="1.0"?>
            <!DOCTYPE domain [<!ENTITY x SYSTEM "file:///etc/passwd">]>
            <domain><name>&x;</name><memory>1</memory></domain>
            """;

        var error = Fails(xml);

        // .NET reports a prohibited DTD without a position.
        error.Message.ShouldBe("stdin: a DTD (<!DOCTYPE …>) is not allowed in domain XML");
        error.Message.ShouldNotContain("root:");
    }

    [Fact]
    public void AnInternalEntityExpansionIsRejected() =>
        Fails("""
            <!DOCTYPE domain [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
            <domain><name>&b;</name><memory>1</memory></domain>
            """).Message.ShouldContain("DTD");

    [Fact]
    public void AStringLargerThanTheLimitIsRejected() =>
        Fails(WithBody(new string(' ', DomainXmlReader.MaxBytes))).Message
            .ShouldBe("stdin: domain XML exceeds 4194304 bytes");

    [Fact]
    public void AStreamOfExactlyTheLimitIsAccepted()
    {
        var xml = WithBody("");
        var padded = xml + new string(' ', DomainXmlReader.MaxBytes - Encoding.UTF8.GetByteCount(xml));

        DomainXmlReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(padded)), "stdin").Name.ShouldBe("t");
        DomainXmlReader.Parse(padded, "stdin").Name.ShouldBe("t");
        Should.Throw<DomainXmlException>(() => DomainXmlReader.Parse(padded + " ", "stdin"));
    }

    [Fact]
    public void AnEndlessStreamIsCutOffJustPastTheLimit()
    {
        var endless = new EndlessStream("<domain><name>"u8.ToArray(), (byte)'x');

        Should.Throw<DomainXmlException>(() => DomainXmlReader.Read(endless, "stdin")).Message
            .ShouldBe("stdin: domain XML exceeds 4194304 bytes");
        endless.BytesRead.ShouldBe(DomainXmlReader.MaxBytes + 1);
    }

    [Fact]
    public void ReadFailuresOfTheStreamAreDomainXmlErrors() =>
        Should.Throw<DomainXmlException>(() => DomainXmlReader.Read(new FailingStream(), "stdin")).Message
            .ShouldBe("stdin: cannot read domain XML: EIO");

    [Theory]
    [InlineData("")]
    [InlineData("not xml")]
    [InlineData("<domain><name>t</name>")]
    [InlineData("<domain><name>t</nam></domain>")]
    [InlineData("<domain><name a='1' a='2'>t</name></domain>")]
    [InlineData("<domain/><domain/>")]
    [InlineData("<domain>\0</domain>")]
    public void MalformedXmlIsADomainXmlError(string xml) =>
        Fails(xml).Message.ShouldStartWith("stdin: ");

    [Fact]
    public void TruncatedXmlIsReportedAtItsPositionOnOneLine()
    {
        var truncated = DomainXmlFixtures.GamingVm[..(DomainXmlFixtures.GamingVm.Length / 2)];

        var error = Fails(truncated);

        error.Line.ShouldBeGreaterThan(1);
        error.Message.ShouldStartWith($"stdin: line {error.Line}, column {error.Column}: ");
        error.Message.ShouldNotContain("\n");
        error.Message.ShouldNotContain(", position ");
    }

    [Fact]
    public void InvalidUtf8IsADomainXmlError() =>
        Should.Throw<DomainXmlException>(() =>
            DomainXmlReader.Read(new MemoryStream([.. "<domain><name>"u8, 0xff, 0xfe, .. "</name></domain>"u8]), "stdin"));

    [Fact]
    public void NestingDeeperThanLibvirtEverWritesIsRefusedBeforeTheTreeIsBuilt()
    {
        var deep = "<domain><name>vm</name><memory>1</memory><metadata>" + string.Concat(Enumerable.Repeat("<a>", 100_000))
            + string.Concat(Enumerable.Repeat("</a>", 100_000)) + "</metadata></domain>";
        Fails(deep).Message.ShouldBe($"stdin: line 1, column {"<domain><name>vm</name><memory>1</memory><metadata>".Length + 3 * 63 + 2}: elements nested deeper than 64 levels");
        var fine = "<domain><name>vm</name><memory>1</memory><metadata>" + string.Concat(Enumerable.Repeat("<a>", 60))
            + string.Concat(Enumerable.Repeat("</a>", 60)) + "</metadata></domain>";
        DomainXmlReader.Parse(fine, "stdin").Name.ShouldBe("vm");
    }
}
