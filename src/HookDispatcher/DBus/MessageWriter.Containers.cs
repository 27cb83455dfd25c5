using System.Buffers.Binary;

namespace HookDispatcher.DBus;

internal sealed partial class MessageWriter
{
    /// <summary>
    /// Writes a placeholder length and the padding to the element alignment — padding is due even when the array
    /// stays empty, which is why the element type code is needed up front.
    /// </summary>
    public ArrayStart WriteArrayStart(char elementCode)
    {
        WriteUInt32(0);
        var lengthOffset = Length - 4;
        Align(Signature.Alignment(elementCode));
        return new ArrayStart(lengthOffset, Length);
    }

    /// <summary>Fills in the length written by <see cref="WriteArrayStart"/>: the content size, without the padding.</summary>
    public void WriteArrayEnd(ArrayStart start)
    {
        var length = Length - start.ContentOffset;
        if (length > MaxArrayLength)
        {
            throw new ArgumentException($"D-Bus array of {length} bytes exceeds the {MaxArrayLength}-byte limit");
        }
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(start.LengthOffset, 4), (uint)length);
    }

    /// <summary>Structs and dict entries start at an 8-byte boundary.</summary>
    public void WriteStructStart() => Align(8);

    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        if (value.Length > MaxArrayLength)
        {
            throw new ArgumentException($"D-Bus array of {value.Length} bytes exceeds the {MaxArrayLength}-byte limit");
        }
        WriteUInt32((uint)value.Length);
        value.CopyTo(Reserve(value.Length, 1));
    }

    public void WriteStringArray(IEnumerable<string> values)
    {
        var start = WriteArrayStart('s');
        foreach (var value in values)
        {
            WriteString(value);
        }
        WriteArrayEnd(start);
    }

    public void WriteVariant(DBusVariant variant)
    {
        WriteSignature(variant.Signature);
        WriteValue(variant.Signature, variant.Value);
    }

    /// <summary>Writes a{sv}-style property lists, a(sv) in systemd's case.</summary>
    public void WritePropertyArray(IReadOnlyList<(string Name, DBusVariant Value)> properties)
    {
        var start = WriteArrayStart('(');
        foreach (var (name, value) in properties)
        {
            WriteStructStart();
            WriteString(name);
            WriteVariant(value);
        }
        WriteArrayEnd(start);
    }
}
