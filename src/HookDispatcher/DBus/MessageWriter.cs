using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace HookDispatcher.DBus;

/// <summary>
/// Marshals values in little-endian D-Bus wire format. Offsets are relative to the start of the buffer, which must
/// itself sit at an 8-byte boundary of the message (true for the header and for the body).
/// </summary>
internal sealed partial class MessageWriter
{
    /// <summary>The specification's limit for one array's content.</summary>
    public const int MaxArrayLength = 64 * 1024 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly List<SafeHandle> _unixFds = [];
    private byte[] _buffer = new byte[256];

    public int Length { get; private set; }

    /// <summary>Descriptors written with <see cref="WriteUnixFd"/>, in index order; the caller keeps them open until sent.</summary>
    public IReadOnlyList<SafeHandle> UnixFds => _unixFds;

    public ReadOnlySpan<byte> AsSpan() => _buffer.AsSpan(0, Length);

    public byte[] ToArray() => AsSpan().ToArray();

    public void WriteByte(byte value) => Reserve(1, 1)[0] = value;

    public void WriteBool(bool value) => WriteUInt32(value ? 1u : 0u);

    public void WriteInt16(short value) => BinaryPrimitives.WriteInt16LittleEndian(Reserve(2, 2), value);

    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Reserve(2, 2), value);

    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32LittleEndian(Reserve(4, 4), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4, 4), value);

    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Reserve(8, 8), value);

    public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8, 8), value);

    public void WriteDouble(double value) => BinaryPrimitives.WriteDoubleLittleEndian(Reserve(8, 8), value);

    public void WriteString(string value)
    {
        var bytes = Utf8WithoutNul(value, "string");
        WriteUInt32((uint)bytes.Length);
        bytes.CopyTo(Reserve(bytes.Length + 1, 1));
        _buffer[Length - 1] = 0;
    }

    public void WriteObjectPath(ObjectPath value) => WriteString(value.Value ?? throw new ArgumentException("default ObjectPath"));

    public void WriteSignature(string value)
    {
        if (!Signature.TryValidate(value, out var error))
        {
            throw new ArgumentException($"Invalid D-Bus signature '{value}': {error}", nameof(value));
        }
        WriteByte((byte)value.Length);
        Encoding.ASCII.GetBytes(value).CopyTo(Reserve(value.Length + 1, 1));
        _buffer[Length - 1] = 0;
    }

    /// <summary>Writes the index of <paramref name="fd"/> among this message's descriptors (type 'h').</summary>
    public void WriteUnixFd(SafeHandle fd)
    {
        ArgumentNullException.ThrowIfNull(fd);
        ObjectDisposedException.ThrowIf(fd.IsClosed || fd.IsInvalid, fd);
        var index = _unixFds.IndexOf(fd);
        if (index < 0)
        {
            index = _unixFds.Count;
            _unixFds.Add(fd);
        }
        WriteUInt32((uint)index);
    }

    /// <summary>Pads with zero bytes up to the next multiple of <paramref name="alignment"/>.</summary>
    public void Align(int alignment) => Reserve(0, alignment);

    private Span<byte> Reserve(int size, int alignment)
    {
        var start = (Length + alignment - 1) & ~(alignment - 1);
        var end = start + size;
        if (end > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(end, _buffer.Length * 2));
        }
        _buffer.AsSpan(Length, start - Length).Clear();
        Length = end;
        return _buffer.AsSpan(start, size);
    }

    private static byte[] Utf8WithoutNul(string value, string what)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Contains('\0'))
        {
            throw new ArgumentException($"A D-Bus {what} cannot contain NUL: '{value.Replace("\0", "\\0")}'", nameof(value));
        }
        try
        {
            return StrictUtf8.GetBytes(value);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException($"A D-Bus {what} must be valid UTF-8: {e.Message}", nameof(value), e);
        }
    }
}
