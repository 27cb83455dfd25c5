using System.Text;
using HookDispatcher.Logging;
using Shouldly;

namespace HookDispatcher.Tests.Logging;

public sealed class JournalEncoderTests
{
    [Fact]
    public void SingleLineValuesAreWrittenAsKeyEqualsValueLines() =>
        JournalEncoder.Encode([("MESSAGE", "started"), ("PRIORITY", "6")])
            .ShouldBe("MESSAGE=started\nPRIORITY=6\n"u8.ToArray());

    [Fact]
    public void AValueWithANewlineIsFramedWithItsLittleEndianByteLength()
    {
        byte[] expected =
        [
            .."A=b\n"u8,
            .."MESSAGE\n"u8,
            5, 0, 0, 0, 0, 0, 0, 0,
            .."x\ny\u00e9"u8,
            (byte)'\n',
        ];

        JournalEncoder.Encode([("A", "b"), ("MESSAGE", "x\ny\u00e9")]).ShouldBe(expected);
    }

    [Fact]
    public void ValuesAreEncodedAsUtf8() =>
        Encoding.UTF8.GetString(JournalEncoder.Encode([("DOMAIN", "wïn11")])).ShouldBe("DOMAIN=wïn11\n");

    [Theory]
    [InlineData("LIBVIRT_DOMAIN", "LIBVIRT_DOMAIN")]
    [InlineData("SourceContext", "SOURCECONTEXT")]
    [InlineData("hook.step-name", "HOOK_STEP_NAME")]
    [InlineData("_PID", "PID")]
    [InlineData("__x", "X")]
    [InlineData("@ünï", "N_")]
    [InlineData("9lives", "9LIVES")]
    public void NamesAreSanitisedToUppercaseLettersDigitsAndUnderscores(string name, string expected) =>
        JournalEncoder.SanitizeName(name).ShouldBe(expected);

    [Fact]
    public void NamesAreCutToSixtyFourCharacters() =>
        JournalEncoder.SanitizeName(new string('a', 100)).ShouldBe(new string('A', 64));

    [Fact]
    public void FieldsWhoseNameSanitisesToNothingAreSkipped() =>
        JournalEncoder.Encode([("___", "lost"), ("-", "lost"), ("", "lost"), ("kept", "yes")])
            .ShouldBe("KEPT=yes\n"u8.ToArray());

    [Fact]
    public void FieldNamesAreSanitisedWhenEncoded() =>
        JournalEncoder.Encode([("hook.operation", "prepare")]).ShouldBe("HOOK_OPERATION=prepare\n"u8.ToArray());
}
