using CsCheck;
using HookDispatcher.DBus;
using Shouldly;

namespace HookDispatcher.Tests.DBus;

public sealed class RoundTripPropertyTests
{
    private static readonly Gen<string> Strings = Gen.String[Gen.Char["abc /:.-_ü中\u0001\u007f"], 0, 12];

    private static Gen<object> ValueOf(string signature) => ValueAt(signature, 0);

    private static Gen<object> ValueAt(string sig, int at) => sig[at] switch
    {
        'y' => Gen.Byte.Select(v => (object)v),
        'b' => Gen.Bool.Select(v => (object)v),
        'n' => Gen.Short.Select(v => (object)v),
        'q' => Gen.UShort.Select(v => (object)v),
        'i' => Gen.Int.Select(v => (object)v),
        'u' => Gen.UInt.Select(v => (object)v),
        'x' => Gen.Long.Select(v => (object)v),
        't' => Gen.ULong.Select(v => (object)v),
        'd' => Gen.Double.Select(v => (object)v),
        's' => Strings.Select(v => (object)v),
        'o' => Gen.String[Gen.Char["ab_19"], 1, 5].Array[0, 3].Select(parts => (object)new ObjectPath("/" + string.Join('/', parts))),
        'g' => Gen.OneOf("", "s", "a(sv)", "a{sv}").Select(v => (object)new Signature(v)),
        'v' => Gen.OneOf("s", "ay", "(ub)", "a{sv}").SelectMany(inner => ValueOf(inner).Select(v => (object)new DBusVariant(inner, v))),
        'a' when sig[at + 1] == 'y' => Gen.Byte.Array[0, 9].Select(v => (object)v),
        'a' when sig[at + 1] == '{' => Gen.Select(ValueAt(sig, at + 2), ValueAt(sig, at + 3))
            .Select((k, v) => new KeyValuePair<object, object>(k, v)).Array[0, 3].Select(v => (object)v),
        'a' => ValueAt(sig, at + 1).Array[0, 3].Select(v => (object)v),
        '(' => StructAt(sig, at),
        _ => throw new ArgumentException(sig),
    };

    private static Gen<object> StructAt(string sig, int at)
    {
        var fields = new List<Gen<object>>();
        for (var i = at + 1; sig[i] != ')'; i = Signature.CompleteTypeEnd(sig, i))
        {
            fields.Add(ValueAt(sig, i));
        }
        return fields.Aggregate(Gen.Const(Array.Empty<object>()), (acc, field) =>
            acc.SelectMany(prefix => field.Select(value => (object[])[.. prefix, value]))).Select(v => (object)v);
    }

    [Theory]
    [InlineData("ya(sv)")]
    [InlineData("a{sa(iu)}")]
    [InlineData("(ydxa(bs))")]
    [InlineData("qavaay")]
    [InlineData("ogvta{ys}")]
    [InlineData("a(sasb)")]
    public void WhatIsWrittenReadsBackEqualAndConsumesEveryByte(string signature)
    {
        var types = Signature.SplitCompleteTypes(signature);
        types.Select(ValueOf).Aggregate(Gen.Const(Array.Empty<object>()), (acc, g) => acc.SelectMany(p => g.Select(v => (object[])[.. p, v])))
            .Sample(values =>
            {
                var writer = new MessageWriter();
                writer.WriteValues(signature, values);
                var reader = new MessageReader(writer.ToArray());

                var read = reader.ReadValues(signature);

                reader.AtEnd.ShouldBeTrue();
                DBusValues.DeepEqual(read, values).ShouldBeTrue();
            }, iter: 500);
    }

    [Fact]
    public void ArbitraryBytesNeverFailWithAnythingButAProtocolError() =>
        Gen.Select(Gen.Byte.Array[0, 64], Gen.OneOf("a(sv)", "v", "a{sv}", "(yg)", "aas")).Sample((bytes, signature) =>
        {
            try
            {
                new MessageReader(bytes).ReadValues(signature);
            }
            catch (DBusProtocolException)
            {
            }
        }, iter: 3000);
}
