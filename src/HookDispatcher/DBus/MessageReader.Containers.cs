using System.Runtime.InteropServices;

namespace HookDispatcher.DBus;

internal sealed partial class MessageReader
{
    /// <summary>Reads an array's length and padding; returns the offset where its content ends.</summary>
    public int ReadArrayStart(char elementCode)
    {
        var length = ReadUInt32();
        if (length > MessageWriter.MaxArrayLength)
        {
            throw new DBusProtocolException($"Array of {length} bytes at offset {Offset - 4} exceeds the limit");
        }
        Align(Signature.Alignment(elementCode));
        var end = Offset + (int)length;
        if (end > _buffer.Length)
        {
            throw new DBusProtocolException($"Array of {length} bytes at offset {Offset} runs past the message end");
        }
        return end;
    }

    /// <summary>True while elements remain before <paramref name="arrayEnd"/>; an element overrunning it is an error.</summary>
    public bool HasNext(int arrayEnd)
    {
        if (Offset > arrayEnd)
        {
            throw new DBusProtocolException($"Array element ran past the array end at offset {arrayEnd}");
        }
        return Offset < arrayEnd;
    }

    public void ReadStructStart() => Align(8);

    public byte[] ReadBytes()
    {
        var end = ReadArrayStart('y');
        var bytes = _buffer.Span[Offset..end].ToArray();
        Offset = end;
        return bytes;
    }

    public string[] ReadStringArray()
    {
        var end = ReadArrayStart('s');
        var values = new List<string>();
        while (HasNext(end))
        {
            values.Add(ReadString());
        }
        return values.ToArray();
    }

    public DBusVariant ReadVariant()
    {
        var signature = ReadSignature();
        if (!Signature.IsSingleCompleteType(signature))
        {
            throw new DBusProtocolException($"Variant signature '{signature}' is not a single complete type");
        }
        return new DBusVariant(signature, ReadValue(signature));
    }

    /// <summary>Skips one value of <paramref name="signature"/> (used for header fields this client ignores).</summary>
    public void Skip(string signature)
    {
        var value = ReadValue(signature);
        DisposeHandles(value);
    }

    private static void DisposeHandles(object value)
    {
        switch (value)
        {
            case SafeHandle handle:
                handle.Dispose();
                break;
            case DBusVariant variant:
                DisposeHandles(variant.Value);
                break;
            case object[] items:
                foreach (var item in items)
                {
                    DisposeHandles(item);
                }
                break;
            case KeyValuePair<object, object>[] entries:
                foreach (var entry in entries)
                {
                    DisposeHandles(entry.Key);
                    DisposeHandles(entry.Value);
                }
                break;
        }
    }
}
