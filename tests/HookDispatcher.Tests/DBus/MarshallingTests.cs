using HookDispatcher.DBus;
using Shouldly;

namespace HookDispatcher.Tests.DBus;

public sealed class MarshallingTests
{
    private static byte[] Write(Action<MessageWriter> write)
    {
        var writer = new MessageWriter();
        write(writer);
        return writer.ToArray();
    }

    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    [Theory]
    [InlineData("y", "2a")]
    [InlineData("b", "01000000")]
    [InlineData("n", "feff")]
    [InlineData("q", "3412")]
    [InlineData("i", "ffffffff")]
    [InlineData("u", "78563412")]
    [InlineData("x", "feffffffffffffff")]
    [InlineData("t", "0807060504030201")]
    [InlineData("d", "000000000000f83f")]
    [InlineData("s", "04000000 c3bc 2f 61 00")]
    [InlineData("o", "06000000 2f615f312f62 00")]
    [InlineData("g", "05 61287376 29 00")]
    public void EachBasicTypeHasItsLittleEndianBytes(string signature, string hex)
    {
        object value = signature switch
        {
            "y" => (byte)42,
            "b" => true,
            "n" => (short)-2,
            "q" => (ushort)0x1234,
            "i" => -1,
            "u" => 0x12345678u,
            "x" => -2L,
            "t" => 0x0102030405060708ul,
            "d" => 1.5,
            "s" => "ü/a",
            "o" => new ObjectPath("/a_1/b"),
            _ => new Signature("a(sv)"),
        };

        Write(w => w.WriteValue(signature, value)).ShouldBe(Hex(hex));
    }

    [Fact]
    public void ValuesAreAlignedToTheirOwnSizeWithZeroPadding() =>
        Write(w => w.WriteValues("yqyuyt", (byte)1, (ushort)2, (byte)3, 4u, (byte)5, 6ul))
            .ShouldBe(Hex("01 00 0200 03 000000 04000000 05 000000 0600000000000000"));

    [Fact]
    public void AnEmptyArrayOfStructsStillPadsToEightBytes() =>
        Write(w => w.WriteValues("ya(sv)", (byte)1, Array.Empty<object>()))
            .ShouldBe(Hex("01 000000 00000000"));

    [Fact]
    public void TheArrayLengthCountsElementsButNotTheLeadingPadding() =>
        Write(w => w.WriteValue("at", new object[] { 1ul }))
            .ShouldBe(Hex("08000000 00000000 0100000000000000"));

    [Fact]
    public void ByteArraysArePackedWithoutPadding() =>
        Write(w => w.WriteValue("ay", new byte[] { 0x0F, 0x01 })).ShouldBe(Hex("02000000 0f01"));

    [Fact]
    public void AVariantCarriesItsSignatureThenTheAlignedValue() =>
        Write(w => w.WriteValues("yv", (byte)7, DBusVariant.UInt32(9)))
            .ShouldBe(Hex("07 01 7500 09000000"));

    [Fact]
    public void StructsAndDictEntriesStartOnEightByteBoundaries() =>
        Write(w => w.WriteValues("ya{yi}", (byte)1, new[] { new KeyValuePair<object, object>((byte)2, 3) }))
            .ShouldBe(Hex("01 000000 08000000 02 000000 03000000"));

    [Fact]
    public void NestedContainersMatchTheSpecificationLayout()
    {
        // a(sv) with one ("AllowedCPUs", <ay [0x0F, 0x01]>), the heart of SetUnitProperties.
        var bytes = Write(w => w.WritePropertyArray([UnitProperties.AllowedCpus([0x0F, 0x01])]));

        bytes.ShouldBe(Hex(
            "1a000000 00000000" +
            "0b000000 416c6c6f77656443505573 00" +
            "02 6179 00" +
            "02000000 0f01"));
    }

    [Fact]
    public void ExecStartIsAnArrayOfPathArgvAndIgnoreFailure()
    {
        var (name, value) = UnitProperties.ExecStart(new ExecCommand("/bin/x", ["x", "-y"]));

        name.ShouldBe("ExecStart");
        value.Signature.ShouldBe("a(sasb)");
        Write(w => w.WriteVariant(value)).ShouldBe(Hex(
            "07 61287361736229 00 000000" +
            "24000000" +
            "06000000 2f62696e2f78 00 00" +
            "0f000000 01000000 7800 0000 02000000 2d79 00" +
            "00 00000000"));
    }

    [Fact]
    public void ReadingGivesBackTheObjectModel()
    {
        var bytes = Write(w => w.WriteValues("a{sv}(ib)", new[]
        {
            new KeyValuePair<object, object>("k", DBusVariant.Strings(["a", "b"])),
        }, (5, true)));

        var values = new MessageReader(bytes).ReadValues("a{sv}(ib)");

        var entry = ((KeyValuePair<object, object>[])values[0]).ShouldHaveSingleItem();
        entry.Key.ShouldBe("k");
        var variant = entry.Value.ShouldBeOfType<DBusVariant>();
        variant.Signature.ShouldBe("as");
        variant.Value.ShouldBe(new object[] { "a", "b" });
        values[1].ShouldBe(new object[] { 5, true });
    }

    [Theory]
    [InlineData("b", "02000000", "Boolean at offset 0 holds 2")]
    [InlineData("s", "02000000 6162 01", "not NUL-terminated")]
    [InlineData("s", "ffffff0f 00", "more were expected")]
    [InlineData("yu", "01 ff0000 01000000", "Non-zero padding")]
    [InlineData("o", "01000000 78 00", "Object path 'x'")]
    [InlineData("g", "01 7a 00", "Signature 'z'")]
    [InlineData("ay", "00000008", "exceeds the limit")]
    [InlineData("as", "05000000 02000000 616200", "ran past")]
    public void MalformedInputRaisesAProtocolErrorThatSaysWhy(string signature, string hex, string reason) =>
        Should.Throw<DBusProtocolException>(() => new MessageReader(Hex(hex)).ReadValues(signature))
            .Message.ShouldContain(reason);

    [Fact]
    public void StringsWithNulCannotBeWritten() =>
        Should.Throw<ArgumentException>(() => Write(w => w.WriteString("a\0b")));

    [Fact]
    public void AValueOfTheWrongTypeIsRefusedNamingBoth() =>
        Should.Throw<ArgumentException>(() => Write(w => w.WriteValue("as", new object[] { 1 })))
            .Message.ShouldBe("Cannot write a Int32 as 's' in 'as'");

    [Fact]
    public void AMethodCallFrameCarriesItsHeaderFieldsAndPadsTheHeaderToEight()
    {
        var body = new MessageWriter();
        body.WriteString("x");
        var frame = MessageFrame.Encode(MessageType.MethodCall, MessageFlags.None, 7, new HeaderFields
        {
            Path = new ObjectPath("/a"),
            Member = "M",
            Signature = "s",
        }, body);

        frame.ShouldBe(Hex(
            "6c 01 00 01 06000000 07000000 27000000" +
            "01 01 6f00 02000000 2f61 00 00 00000000" +
            "03 01 7300 01000000 4d 00 0000 00000000" +
            "08 01 6700 01 73 00" +
            "00" +
            "01000000 78 00"));
        using var decoded = MessageFrame.Decode(frame, []);
        decoded.Member.ShouldBe("M");
        decoded.Path.ShouldBe(new ObjectPath("/a"));
        decoded.GetBodyReader("s").ReadString().ShouldBe("x");
    }
}
