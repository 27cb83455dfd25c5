using System.Security;
using CsCheck;
using HookDispatcher.Domain;

namespace HookDispatcher.Tests.Domain;

public sealed class DomainXmlReaderPropertyTests
{
    private static void ParseOrDomainXmlException(string xml)
    {
        try
        {
            DomainXmlReader.Parse(xml, "stdin");
        }
        catch (DomainXmlException)
        {
        }
    }

    [Fact]
    public void ArbitraryTextFailsOnlyWithDomainXmlException()
    {
        Gen.String.Sample(ParseOrDomainXmlException);
        Gen.String["<>/='\"&;! domainemoryhugepagesxz0123456789-^,"].Sample(ParseOrDomainXmlException);
    }

    [Fact]
    public void DamagedRealXmlFailsOnlyWithDomainXmlException()
    {
        var xml = DomainXmlFixtures.GamingVm;
        Gen.Select(Gen.Int[0, xml.Length], Gen.Int[0, xml.Length], Gen.String[0, 3]).Sample((cut, at, insert) =>
        {
            ParseOrDomainXmlException(xml[..cut]);
            ParseOrDomainXmlException(xml.Insert(at, insert));
            ParseOrDomainXmlException(xml.Remove(Math.Min(at, cut), Math.Abs(at - cut)));
        });
    }

    [Fact]
    public void AttributeValuesFailOnlyWithDomainXmlException()
    {
        var xml = DomainXmlFixtures.GamingVm;
        Gen.Select(Gen.OneOf("'4'", "'1048576'", "'0x0a'", "'no'", "'KiB'", "'0,8'", "'0'"), Gen.String)
            .Sample((value, replacement) => ParseOrDomainXmlException(
                xml.Replace(value, $"'{SecurityElement.Escape(replacement)}'", StringComparison.Ordinal)));
    }
}
