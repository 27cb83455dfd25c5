namespace HookDispatcher.DBus;

internal sealed partial class MessageReader
{
    /// <summary>Reads all values of <paramref name="signature"/>, one per complete type.</summary>
    public object[] ReadValues(string signature) =>
        Signature.SplitCompleteTypes(signature).Select(ReadValue).ToArray();

    /// <summary>Reads one value of a single complete type into the object model described on <see cref="DBusVariant"/>.</summary>
    public object ReadValue(string signature)
    {
        var end = Signature.CompleteTypeEnd(signature, 0);
        if (end != signature.Length)
        {
            throw new ArgumentException($"'{signature}' is not a single complete type");
        }
        return ReadValue(signature, 0, out _);
    }

    private object ReadValue(string sig, int at, out int next)
    {
        next = at + 1;
        switch (sig[at])
        {
            case 'y': return ReadByte();
            case 'b': return ReadBool();
            case 'n': return ReadInt16();
            case 'q': return ReadUInt16();
            case 'i': return ReadInt32();
            case 'u': return ReadUInt32();
            case 'x': return ReadInt64();
            case 't': return ReadUInt64();
            case 'd': return ReadDouble();
            case 's': return ReadString();
            case 'o': return ReadObjectPath();
            case 'g': return new Signature(ReadSignature());
            case 'h': return ReadUnixFd();
            case 'v': return ReadVariant();
            case 'a':
                next = Signature.CompleteTypeEnd(sig, at);
                return ReadArrayValue(sig, at + 1);
            case '(':
                next = Signature.CompleteTypeEnd(sig, at);
                return ReadStructValue(sig, at);
            default:
                throw new DBusProtocolException($"Cannot read type '{sig[at]}' at {at} of '{sig}'");
        }
    }

    private object ReadArrayValue(string sig, int element)
    {
        if (sig[element] == 'y')
        {
            return ReadBytes();
        }
        var end = ReadArrayStart(sig[element]);
        if (sig[element] == '{')
        {
            var entries = new List<KeyValuePair<object, object>>();
            while (HasNext(end))
            {
                ReadStructStart();
                var key = ReadValue(sig, element + 1, out var valueAt);
                entries.Add(new(key, ReadValue(sig, valueAt, out _)));
            }
            return entries.ToArray();
        }
        var items = new List<object>();
        while (HasNext(end))
        {
            var before = Offset;
            items.Add(ReadValue(sig, element, out _));
            if (Offset == before)
            {
                throw new DBusProtocolException($"Array of zero-sized elements at offset {before}");
            }
        }
        return items.ToArray();
    }

    private object[] ReadStructValue(string sig, int at)
    {
        ReadStructStart();
        var fields = new List<object>();
        var i = at + 1;
        while (sig[i] != ')')
        {
            fields.Add(ReadValue(sig, i, out i));
        }
        return fields.ToArray();
    }
}
