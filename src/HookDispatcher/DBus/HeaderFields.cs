namespace HookDispatcher.DBus;

/// <summary>The header fields this client reads and writes, by their wire codes 1-9.</summary>
internal sealed record HeaderFields
{
    public const byte PathCode = 1;
    public const byte InterfaceCode = 2;
    public const byte MemberCode = 3;
    public const byte ErrorNameCode = 4;
    public const byte ReplySerialCode = 5;
    public const byte DestinationCode = 6;
    public const byte SenderCode = 7;
    public const byte SignatureCode = 8;
    public const byte UnixFdsCode = 9;

    public ObjectPath? Path { get; init; }

    public string? Interface { get; init; }

    public string? Member { get; init; }

    public string? ErrorName { get; init; }

    public uint? ReplySerial { get; init; }

    public string? Destination { get; init; }

    public string? Sender { get; init; }

    /// <summary>The body's signature; empty for an empty body (the field is then left out).</summary>
    public string Signature { get; init; } = "";

    public uint UnixFds { get; init; }
}
