namespace HookDispatcher.DBus;

/// <summary>
/// A synchronous connection to a message bus, for a short-lived process: one thread, every wait bounded by a
/// timeout. Messages that arrive while waiting for something else (signals, calls to us) are queued, up to a limit,
/// for <see cref="WaitForSignal"/> and <see cref="ReceiveMessage"/>.
/// </summary>
internal sealed partial class DBusConnection : IDisposable
{
    public const string BusName = "org.freedesktop.DBus";
    public const string SystemBusAddress = "unix:path=/run/dbus/system_bus_socket";
    private const int MaxQueuedMessages = 4096;
    private static readonly ObjectPath BusPath = new("/org/freedesktop/DBus");

    private readonly UnixSocket _socket;
    private readonly string _address;
    private readonly LinkedList<Message> _queue = new();
    private uint _lastSerial;
    private string? _broken;
    private bool _disposed;

    private DBusConnection(UnixSocket socket, string address)
    {
        _socket = socket;
        _address = address;
    }

    /// <summary>The name the bus gave us in its answer to Hello (":1.42").</summary>
    public string UniqueName { get; private set; } = "";

    /// <summary>Whether the bus agreed to pass descriptors (needed for 'h').</summary>
    public bool UnixFdsNegotiated { get; private set; }

    /// <summary>Connects to the first reachable entry of <paramref name="address"/>, authenticates and says Hello.</summary>
    public static DBusConnection Connect(string address, TimeSpan timeout)
    {
        var deadline = Deadline.After(timeout);
        IReadOnlyList<DBusAddress> candidates;
        try
        {
            candidates = DBusAddress.Parse(address);
        }
        catch (FormatException e)
        {
            throw new DBusTransportException(address, "parse the address", e.Message);
        }
        DBusTransportException? last = null;
        foreach (var candidate in candidates)
        {
            UnixSocket socket;
            try
            {
                socket = UnixSocket.Connect(candidate, deadline);
            }
            catch (DBusTransportException e)
            {
                last = e;
                continue;
            }
            var connection = new DBusConnection(socket, candidate.ToString());
            try
            {
                connection.Authenticate(deadline);
                using var reply = connection.Call(
                    new MethodCall(BusName, BusPath, BusName, "Hello"), TimeSpan.FromMilliseconds(deadline.RemainingMilliseconds));
                connection.UniqueName = reply.GetBodyReader("s").ReadString();
                return connection;
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }
        throw last!;
    }

    /// <summary>
    /// Sends <paramref name="call"/> and waits for its reply; an error reply raises <see cref="DBusErrorException"/>.
    /// The caller disposes the returned message (it may own descriptors).
    /// </summary>
    public Message Call(MethodCall call, TimeSpan timeout)
    {
        var deadline = Deadline.After(timeout);
        var flags = call.AllowInteractiveAuthorization ? MessageFlags.AllowInteractiveAuthorization : MessageFlags.None;
        var serial = Send(MessageType.MethodCall, flags, new HeaderFields
        {
            Path = call.Path,
            Interface = call.Interface,
            Member = call.Member,
            Destination = call.Destination,
            Signature = call.Signature,
        }, call.Body, deadline);
        while (true)
        {
            var message = ReadMessage(deadline)
                ?? throw new DBusTransportException(_address, $"get a reply to {call} from", "timed out");
            if (message.ReplySerial != serial || message.Type is not (MessageType.MethodReturn or MessageType.Error))
            {
                Enqueue(message);
                continue;
            }
            if (message.Type == MessageType.MethodReturn)
            {
                return message;
            }
            using (message)
            {
                var text = message.Signature.StartsWith('s') ? message.GetBodyReader().ReadString() : "";
                throw new DBusErrorException(message.ErrorName!, text);
            }
        }
    }

    /// <summary>Asks the bus to route matching signals to us (org.freedesktop.DBus.AddMatch).</summary>
    public void AddMatch(string rule, TimeSpan timeout)
    {
        var call = new MethodCall(BusName, BusPath, BusName, "AddMatch", "s");
        call.Body.WriteString(rule);
        Call(call, timeout).Dispose();
    }

    /// <summary>org.freedesktop.DBus.RequestName; returns the bus's answer code (1 = primary owner).</summary>
    public uint RequestName(string name, uint flags, TimeSpan timeout)
    {
        var call = new MethodCall(BusName, BusPath, BusName, "RequestName", "su");
        call.Body.WriteString(name);
        call.Body.WriteUInt32(flags);
        using var reply = Call(call, timeout);
        return reply.GetBodyReader("u").ReadUInt32();
    }

    /// <summary>
    /// The first signal, queued or new, that satisfies <paramref name="predicate"/>; null when the timeout passes.
    /// Other messages stay queued.
    /// </summary>
    public Message? WaitForSignal(Func<Message, bool> predicate, TimeSpan timeout)
    {
        var deadline = Deadline.After(timeout);
        for (var node = _queue.First; node is not null; node = node.Next)
        {
            if (node.Value.Type == MessageType.Signal && predicate(node.Value))
            {
                _queue.Remove(node);
                return node.Value;
            }
        }
        while (ReadMessage(deadline) is { } message)
        {
            if (message.Type == MessageType.Signal && predicate(message))
            {
                return message;
            }
            Enqueue(message);
        }
        return null;
    }

    /// <summary>The next message of any kind, queued or new; null when the timeout passes. Used by responders.</summary>
    public Message? ReceiveMessage(TimeSpan timeout)
    {
        if (_queue.First is { } first)
        {
            _queue.RemoveFirst();
            return first.Value;
        }
        return ReadMessage(Deadline.After(timeout));
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _socket.Dispose();
        foreach (var message in _queue)
        {
            message.Dispose();
        }
        _queue.Clear();
        foreach (var fd in _pendingFds)
        {
            fd.Dispose();
        }
        _pendingFds.Clear();
    }

    private void Enqueue(Message message)
    {
        _queue.AddLast(message);
        if (_queue.Count > MaxQueuedMessages)
        {
            // A flood of unrelated signals must not grow without bound; the oldest is least likely to matter.
            _queue.First!.Value.Dispose();
            _queue.RemoveFirst();
        }
    }
}
