namespace HookDispatcher.DBus;

internal sealed partial class DBusConnection
{
    /// <summary>Answers a method call that arrived through <see cref="ReceiveMessage"/>.</summary>
    public void SendReturn(Message call, string signature, MessageWriter body, TimeSpan timeout) =>
        Send(MessageType.MethodReturn, MessageFlags.NoReplyExpected, new HeaderFields
        {
            ReplySerial = call.Serial,
            Destination = call.Sender,
            Signature = signature,
        }, body, Deadline.After(timeout));

    public void SendError(Message call, string errorName, string text, TimeSpan timeout)
    {
        var body = new MessageWriter();
        body.WriteString(text);
        Send(MessageType.Error, MessageFlags.NoReplyExpected, new HeaderFields
        {
            ReplySerial = call.Serial,
            Destination = call.Sender,
            ErrorName = errorName,
            Signature = "s",
        }, body, Deadline.After(timeout));
    }

    public void EmitSignal(ObjectPath path, string @interface, string member, string signature, MessageWriter body,
        TimeSpan timeout) =>
        Send(MessageType.Signal, MessageFlags.NoReplyExpected, new HeaderFields
        {
            Path = path,
            Interface = @interface,
            Member = member,
            Signature = signature,
        }, body, Deadline.After(timeout));

    private uint Send(MessageType type, MessageFlags flags, HeaderFields fields, MessageWriter body, Deadline deadline)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_broken is not null)
        {
            throw new DBusTransportException(_address, "use the connection to", $"it broke earlier: {_broken}");
        }
        if (body.UnixFds.Count > 0 && !UnixFdsNegotiated)
        {
            throw new DBusTransportException(_address, "pass descriptors over", "the bus did not agree to NEGOTIATE_UNIX_FD");
        }
        var serial = ++_lastSerial;
        var frame = MessageFrame.Encode(type, flags, serial, fields, body);
        try
        {
            _socket.Send(frame, body.UnixFds, deadline);
        }
        catch (DBusTransportException e)
        {
            // A partly written frame leaves the stream unusable.
            _broken = e.Message;
            throw;
        }
        return serial;
    }
}
