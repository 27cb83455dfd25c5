using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace HookDispatcher.DBus;

/// <summary>
/// The fixed 16-byte header, the header-field array and the body: turns an outgoing header and body into one
/// frame, and a received frame back into a <see cref="Message"/>.
/// </summary>
internal static class MessageFrame
{
    public const int FixedHeaderLength = 16;

    /// <summary>The specification's limit for a whole message.</summary>
    public const int MaxMessageLength = 128 * 1024 * 1024;

    private const byte ProtocolVersion = 1;

    public static byte[] Encode(MessageType type, MessageFlags flags, uint serial, HeaderFields fields, MessageWriter body)
    {
        var header = new MessageWriter();
        header.WriteByte((byte)'l');
        header.WriteByte((byte)type);
        header.WriteByte((byte)flags);
        header.WriteByte(ProtocolVersion);
        header.WriteUInt32((uint)body.Length);
        header.WriteUInt32(serial);
        var start = header.WriteArrayStart('(');
        if (fields.Path is { } path)
        {
            WriteField(header, HeaderFields.PathCode, "o", path);
        }
        WriteStringField(header, HeaderFields.InterfaceCode, fields.Interface);
        WriteStringField(header, HeaderFields.MemberCode, fields.Member);
        WriteStringField(header, HeaderFields.ErrorNameCode, fields.ErrorName);
        if (fields.ReplySerial is { } replySerial)
        {
            WriteField(header, HeaderFields.ReplySerialCode, "u", replySerial);
        }
        WriteStringField(header, HeaderFields.DestinationCode, fields.Destination);
        WriteStringField(header, HeaderFields.SenderCode, fields.Sender);
        if (fields.Signature.Length > 0)
        {
            WriteField(header, HeaderFields.SignatureCode, "g", new Signature(fields.Signature));
        }
        if (body.UnixFds.Count > 0)
        {
            WriteField(header, HeaderFields.UnixFdsCode, "u", (uint)body.UnixFds.Count);
        }
        header.WriteArrayEnd(start);
        header.Align(8);

        var frame = new byte[header.Length + body.Length];
        header.AsSpan().CopyTo(frame);
        body.AsSpan().CopyTo(frame.AsSpan(header.Length));
        return frame;
    }

    /// <summary>
    /// The total length of the frame whose first 16 bytes are <paramref name="fixedHeader"/>, checked against the
    /// limits before anything that large is allocated.
    /// </summary>
    public static int FrameLength(ReadOnlySpan<byte> fixedHeader)
    {
        var bigEndian = fixedHeader[0] switch
        {
            (byte)'l' => false,
            (byte)'B' => true,
            _ => throw new DBusProtocolException($"Unknown endianness marker 0x{fixedHeader[0]:x2}"),
        };
        if (fixedHeader[3] != ProtocolVersion)
        {
            throw new DBusProtocolException($"Unsupported protocol version {fixedHeader[3]}");
        }
        var bodyLength = ReadUInt32(fixedHeader[4..], bigEndian);
        var fieldsLength = ReadUInt32(fixedHeader[12..], bigEndian);
        var total = FixedHeaderLength + (((ulong)fieldsLength + 7) & ~7ul) + bodyLength;
        if (total > MaxMessageLength)
        {
            throw new DBusProtocolException($"Message of {total} bytes exceeds the {MaxMessageLength}-byte limit");
        }
        return (int)total;
    }

    public static Message Decode(byte[] frame, SafeFileHandle[] unixFds)
    {
        var bigEndian = frame[0] == (byte)'B';
        var reader = new MessageReader(frame, bigEndian);
        reader.ReadByte();
        var type = reader.ReadByte();
        var flags = (MessageFlags)reader.ReadByte();
        reader.ReadByte();
        var bodyLength = reader.ReadUInt32();
        var serial = reader.ReadUInt32();
        if (type is < (byte)MessageType.MethodCall or > (byte)MessageType.Signal)
        {
            throw new DBusProtocolException($"Unknown message type {type} in message #{serial}");
        }
        if (serial == 0)
        {
            throw new DBusProtocolException("Message serial 0 is not allowed");
        }
        var fields = ReadFields(reader);
        reader.Align(8);
        if (reader.Offset + bodyLength != frame.Length)
        {
            throw new DBusProtocolException($"Message #{serial}: header and body lengths do not add up to {frame.Length}");
        }
        if (fields.UnixFds != unixFds.Length)
        {
            throw new DBusProtocolException(
                $"Message #{serial} declares {fields.UnixFds} unix fds but {unixFds.Length} arrived with it");
        }
        CheckRequiredFields((MessageType)type, serial, fields);
        var body = frame.AsMemory(reader.Offset);
        return new Message((MessageType)type, flags, serial, fields, body, bigEndian, unixFds);
    }

    private static HeaderFields ReadFields(MessageReader reader)
    {
        var fields = new HeaderFields();
        var end = reader.ReadArrayStart('(');
        while (reader.HasNext(end))
        {
            reader.ReadStructStart();
            var code = reader.ReadByte();
            var signature = reader.ReadSignature();
            fields = (code, signature) switch
            {
                (HeaderFields.PathCode, "o") => fields with { Path = reader.ReadObjectPath() },
                (HeaderFields.InterfaceCode, "s") => fields with { Interface = reader.ReadString() },
                (HeaderFields.MemberCode, "s") => fields with { Member = reader.ReadString() },
                (HeaderFields.ErrorNameCode, "s") => fields with { ErrorName = reader.ReadString() },
                (HeaderFields.ReplySerialCode, "u") => fields with { ReplySerial = reader.ReadUInt32() },
                (HeaderFields.DestinationCode, "s") => fields with { Destination = reader.ReadString() },
                (HeaderFields.SenderCode, "s") => fields with { Sender = reader.ReadString() },
                (HeaderFields.SignatureCode, "g") => fields with { Signature = reader.ReadSignature() },
                (HeaderFields.UnixFdsCode, "u") => fields with { UnixFds = reader.ReadUInt32() },
                ( >= HeaderFields.PathCode and <= HeaderFields.UnixFdsCode, _) =>
                    throw new DBusProtocolException($"Header field {code} has signature '{signature}'"),
                _ => SkipUnknown(reader, signature, fields),
            };
        }
        return fields;
    }

    private static HeaderFields SkipUnknown(MessageReader reader, string signature, HeaderFields fields)
    {
        // The specification asks receivers to ignore header fields they do not know.
        if (!Signature.IsSingleCompleteType(signature))
        {
            throw new DBusProtocolException($"Header field signature '{signature}' is not a single complete type");
        }
        reader.Skip(signature);
        return fields;
    }

    private static void CheckRequiredFields(MessageType type, uint serial, HeaderFields fields)
    {
        var missing = type switch
        {
            MessageType.MethodCall when fields.Path is null || fields.Member is null => "PATH and MEMBER",
            MessageType.Signal when fields.Path is null || fields.Interface is null || fields.Member is null =>
                "PATH, INTERFACE and MEMBER",
            MessageType.MethodReturn when fields.ReplySerial is null => "REPLY_SERIAL",
            MessageType.Error when fields.ReplySerial is null || fields.ErrorName is null => "REPLY_SERIAL and ERROR_NAME",
            _ => null,
        };
        if (missing is not null)
        {
            throw new DBusProtocolException($"{type} #{serial} lacks the required header fields {missing}");
        }
    }

    private static void WriteStringField(MessageWriter header, byte code, string? value)
    {
        if (value is not null)
        {
            WriteField(header, code, "s", value);
        }
    }

    private static void WriteField(MessageWriter header, byte code, string signature, object value)
    {
        header.WriteStructStart();
        header.WriteByte(code);
        header.WriteVariant(new DBusVariant(signature, value));
    }

    private static uint ReadUInt32(ReadOnlySpan<byte> span, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(span) : BinaryPrimitives.ReadUInt32LittleEndian(span);
}
