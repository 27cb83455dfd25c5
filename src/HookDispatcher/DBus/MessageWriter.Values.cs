using System.Collections;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HookDispatcher.DBus;

internal sealed partial class MessageWriter
{
    /// <summary>
    /// Writes every value of <paramref name="signature"/> in turn, one per complete type, following the object model
    /// described on <see cref="DBusVariant"/>.
    /// </summary>
    public void WriteValues(string signature, params ReadOnlySpan<object> values)
    {
        var types = Signature.SplitCompleteTypes(signature);
        if (types.Count != values.Length)
        {
            throw new ArgumentException($"Signature '{signature}' has {types.Count} values, got {values.Length}");
        }
        for (var i = 0; i < types.Count; i++)
        {
            WriteValue(types[i], values[i]);
        }
    }

    /// <summary>Writes one value of the single complete type <paramref name="signature"/>.</summary>
    public void WriteValue(string signature, object value)
    {
        var end = WriteValue(signature, 0, value);
        if (end != signature.Length)
        {
            throw new ArgumentException($"'{signature}' is not a single complete type");
        }
    }

    private int WriteValue(string sig, int at, object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        switch (sig[at])
        {
            case 'y': WriteByte(Expect<byte>(value, sig, at)); return at + 1;
            case 'b': WriteBool(Expect<bool>(value, sig, at)); return at + 1;
            case 'n': WriteInt16(Expect<short>(value, sig, at)); return at + 1;
            case 'q': WriteUInt16(Expect<ushort>(value, sig, at)); return at + 1;
            case 'i': WriteInt32(Expect<int>(value, sig, at)); return at + 1;
            case 'u': WriteUInt32(Expect<uint>(value, sig, at)); return at + 1;
            case 'x': WriteInt64(Expect<long>(value, sig, at)); return at + 1;
            case 't': WriteUInt64(Expect<ulong>(value, sig, at)); return at + 1;
            case 'd': WriteDouble(Expect<double>(value, sig, at)); return at + 1;
            case 's': WriteString(Expect<string>(value, sig, at)); return at + 1;
            case 'o': WriteObjectPath(Expect<ObjectPath>(value, sig, at)); return at + 1;
            case 'g': WriteSignature(value is Signature s ? s.Value : Expect<string>(value, sig, at)); return at + 1;
            case 'h': WriteUnixFd(Expect<SafeHandle>(value, sig, at)); return at + 1;
            case 'v': WriteVariant(Expect<DBusVariant>(value, sig, at)); return at + 1;
            case 'a': return WriteArrayValue(sig, at, value);
            case '(': return WriteStructValue(sig, at, value);
            default: throw new ArgumentException($"Cannot write type '{sig[at]}' at {at} of '{sig}'");
        }
    }

    private int WriteArrayValue(string sig, int at, object value)
    {
        var element = at + 1;
        var end = Signature.CompleteTypeEnd(sig, at);
        if (sig[element] == 'y' && value is byte[] bytes)
        {
            WriteBytes(bytes);
            return end;
        }
        var start = WriteArrayStart(sig[element]);
        if (sig[element] == '{')
        {
            var valueAt = element + 2;
            foreach (var entry in Expect<IEnumerable<KeyValuePair<object, object>>>(value, sig, at))
            {
                WriteStructStart();
                WriteValue(sig, element + 1, entry.Key);
                WriteValue(sig, valueAt, entry.Value);
            }
        }
        else
        {
            foreach (var item in Expect<IEnumerable>(value, sig, at))
            {
                WriteValue(sig, element, item);
            }
        }
        WriteArrayEnd(start);
        return end;
    }

    private int WriteStructValue(string sig, int at, object value)
    {
        IReadOnlyList<object?> fields = value switch
        {
            IReadOnlyList<object?> list => list,
            ITuple tuple => Enumerable.Range(0, tuple.Length).Select(i => tuple[i]).ToArray(),
            _ => throw Mismatch(value, sig, at),
        };
        WriteStructStart();
        var i = at + 1;
        var field = 0;
        while (sig[i] != ')')
        {
            if (field >= fields.Count)
            {
                throw new ArgumentException($"Struct '{sig[at..Signature.CompleteTypeEnd(sig, at)]}' needs more than {fields.Count} fields");
            }
            i = WriteValue(sig, i, fields[field++]!);
        }
        if (field != fields.Count)
        {
            throw new ArgumentException($"Struct '{sig[at..(i + 1)]}' has {field} fields, got {fields.Count}");
        }
        return i + 1;
    }

    private static T Expect<T>(object value, string sig, int at) => value is T typed ? typed : throw Mismatch(value, sig, at);

    private static ArgumentException Mismatch(object value, string sig, int at) =>
        new($"Cannot write a {value.GetType().Name} as '{sig[at..Signature.CompleteTypeEnd(sig, at)]}' in '{sig}'");
}
