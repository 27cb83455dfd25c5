using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace HookDispatcher.DBus;

/// <summary>
/// Reads D-Bus wire format from a buffer that starts at an 8-byte boundary of its message. Every malformed input
/// raises <see cref="DBusProtocolException"/>; nothing is read past the buffer's end.
/// </summary>
internal sealed partial class MessageReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlyMemory<byte> _buffer;
    private readonly bool _bigEndian;
    private readonly Func<uint, SafeFileHandle>? _unixFds;

    /// <param name="buffer">The bytes, starting at an 8-byte boundary of the message.</param>
    /// <param name="bigEndian">True for messages whose first byte is 'B'.</param>
    /// <param name="unixFds">Resolves an 'h' index to the descriptor that came with the message.</param>
    public MessageReader(ReadOnlyMemory<byte> buffer, bool bigEndian = false, Func<uint, SafeFileHandle>? unixFds = null)
    {
        _buffer = buffer;
        _bigEndian = bigEndian;
        _unixFds = unixFds;
    }

    public int Offset { get; private set; }

    public bool AtEnd => Offset >= _buffer.Length;

    public byte ReadByte() => Take(1, 1)[0];

    public bool ReadBool()
    {
        var value = ReadUInt32();
        return value switch
        {
            0 => false,
            1 => true,
            _ => throw new DBusProtocolException($"Boolean at offset {Offset - 4} holds {value}, not 0 or 1"),
        };
    }

    public short ReadInt16() => ReadInteger<short>(isUnsigned: false);

    public ushort ReadUInt16() => ReadInteger<ushort>(isUnsigned: true);

    public int ReadInt32() => ReadInteger<int>(isUnsigned: false);

    public uint ReadUInt32() => ReadInteger<uint>(isUnsigned: true);

    public long ReadInt64() => ReadInteger<long>(isUnsigned: false);

    public ulong ReadUInt64() => ReadInteger<ulong>(isUnsigned: true);

    public double ReadDouble() => BitConverter.Int64BitsToDouble(ReadInt64());

    public string ReadString()
    {
        var length = ReadUInt32();
        if (length > int.MaxValue - 1)
        {
            throw new DBusProtocolException($"String length {length} at offset {Offset - 4} is impossible");
        }
        return DecodeNulTerminated((int)length, "string");
    }

    public ObjectPath ReadObjectPath()
    {
        var at = Offset;
        var value = ReadString();
        return ObjectPath.IsValid(value)
            ? new ObjectPath(value)
            : throw new DBusProtocolException($"Object path '{value}' at offset {at} is not valid");
    }

    public string ReadSignature()
    {
        var at = Offset;
        var value = DecodeNulTerminated(ReadByte(), "signature");
        return Signature.TryValidate(value, out var error)
            ? value
            : throw new DBusProtocolException($"Signature '{value}' at offset {at} is not valid: {error}");
    }

    /// <summary>Reads an 'h' and hands over the descriptor it names; the caller owns (and must dispose) it.</summary>
    public SafeFileHandle ReadUnixFd()
    {
        var index = ReadUInt32();
        return _unixFds is null
            ? throw new DBusProtocolException($"Unix fd index {index} at offset {Offset - 4}, but the message carries no descriptors")
            : _unixFds(index);
    }

    /// <summary>Skips the padding to the next multiple of <paramref name="alignment"/>; padding must be zero.</summary>
    public void Align(int alignment) => Take(0, alignment);

    private string DecodeNulTerminated(int length, string what)
    {
        var at = Offset;
        var span = Take(length + 1, 1);
        if (span[length] != 0)
        {
            throw new DBusProtocolException($"D-Bus {what} at offset {at} is not NUL-terminated");
        }
        if (span[..length].Contains((byte)0))
        {
            throw new DBusProtocolException($"D-Bus {what} at offset {at} contains NUL");
        }
        try
        {
            return StrictUtf8.GetString(span[..length]);
        }
        catch (DecoderFallbackException)
        {
            throw new DBusProtocolException($"D-Bus {what} at offset {at} is not valid UTF-8");
        }
    }

    /// <summary>Every integer is aligned to its own size.</summary>
    private T ReadInteger<T>(bool isUnsigned) where T : unmanaged, IBinaryInteger<T>
    {
        var size = Unsafe.SizeOf<T>();
        var span = Take(size, size);
        return _bigEndian ? T.ReadBigEndian(span, isUnsigned) : T.ReadLittleEndian(span, isUnsigned);
    }

    private ReadOnlySpan<byte> Take(int size, int alignment)
    {
        var start = (Offset + alignment - 1) & ~(alignment - 1);
        if ((long)start + size > _buffer.Length)
        {
            throw new DBusProtocolException($"Message ends at {_buffer.Length} bytes; {size} more were expected at offset {start}");
        }
        var span = _buffer.Span;
        if (span[Offset..start].ContainsAnyExcept((byte)0))
        {
            throw new DBusProtocolException($"Non-zero padding at offset {Offset}");
        }
        Offset = start + size;
        return span.Slice(start, size);
    }
}
