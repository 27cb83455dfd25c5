using Microsoft.Win32.SafeHandles;

namespace HookDispatcher.DBus;

/// <summary>
/// A received message. It owns the descriptors that came with it until a reader hands one out through 'h';
/// disposing the message closes the rest.
/// </summary>
internal sealed class Message : IDisposable
{
    private readonly SafeFileHandle?[] _unixFds;

    public Message(MessageType type, MessageFlags flags, uint serial, HeaderFields fields, ReadOnlyMemory<byte> body,
        bool bigEndian, SafeFileHandle[] unixFds)
    {
        Type = type;
        Flags = flags;
        Serial = serial;
        Fields = fields;
        Body = body;
        BigEndian = bigEndian;
        _unixFds = unixFds;
    }

    public MessageType Type { get; }

    public MessageFlags Flags { get; }

    public uint Serial { get; }

    public HeaderFields Fields { get; }

    public ObjectPath? Path => Fields.Path;

    public string? Interface => Fields.Interface;

    public string? Member => Fields.Member;

    public string? ErrorName => Fields.ErrorName;

    public uint? ReplySerial => Fields.ReplySerial;

    public string? Sender => Fields.Sender;

    public string? Destination => Fields.Destination;

    public string Signature => Fields.Signature;

    public ReadOnlyMemory<byte> Body { get; }

    public bool BigEndian { get; }

    public int UnixFdCount => _unixFds.Length;

    public MessageReader GetBodyReader() => new(Body, BigEndian, TakeUnixFd);

    /// <summary>Throws unless the body's signature is exactly <paramref name="expected"/>.</summary>
    public MessageReader GetBodyReader(string expected) =>
        Signature == expected
            ? GetBodyReader()
            : throw new DBusProtocolException(
                $"Unexpected signature in reply to {Fields.Member ?? "call"}: expected '{expected}', got '{Signature}'");

    /// <summary>Hands over the descriptor at <paramref name="index"/>; each can be taken once.</summary>
    public SafeFileHandle TakeUnixFd(uint index)
    {
        if (index >= _unixFds.Length)
        {
            throw new DBusProtocolException($"Unix fd index {index}, but the message carries {_unixFds.Length}");
        }
        var fd = _unixFds[index] ?? throw new DBusProtocolException($"Unix fd {index} was already taken");
        _unixFds[index] = null;
        return fd;
    }

    public void Dispose()
    {
        for (var i = 0; i < _unixFds.Length; i++)
        {
            _unixFds[i]?.Dispose();
            _unixFds[i] = null;
        }
    }

    public override string ToString() => Type switch
    {
        MessageType.Error => $"error {Fields.ErrorName} to #{Fields.ReplySerial} from {Fields.Sender}",
        MessageType.MethodReturn => $"return to #{Fields.ReplySerial} from {Fields.Sender}",
        _ => $"{Type} #{Serial} {Fields.Path} {Fields.Interface}.{Fields.Member}({Signature}) from {Fields.Sender}",
    };
}
