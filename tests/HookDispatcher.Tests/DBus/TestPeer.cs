using HookDispatcher.DBus;

namespace HookDispatcher.Tests.DBus;

/// <summary>
/// A second connection to the test bus that owns a name and answers calls on its own thread with
/// <paramref name="handler"/>; every call is recorded. A handler exception becomes an error reply.
/// </summary>
internal sealed class TestPeer : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private readonly DBusConnection _connection;
    private readonly string _name;
    private readonly Func<Message, DBusConnection, bool> _handler;
    private readonly Thread _thread;
    private readonly List<RecordedCall> _calls = [];
    private volatile bool _stop;

    /// <param name="handler">Answers a call and returns true, or returns false to get an UnknownMethod error.</param>
    public TestPeer(string address, string name, Func<Message, DBusConnection, bool> handler)
    {
        _connection = DBusConnection.Connect(address, Timeout);
        if (_connection.RequestName(name, 4, Timeout) != 1)
        {
            throw new InvalidOperationException($"The test peer could not own '{name}'");
        }
        _name = name;
        _handler = handler;
        _thread = new Thread(Serve) { IsBackground = true, Name = "dbus test peer " + name };
        _thread.Start();
    }

    public IReadOnlyList<RecordedCall> Calls
    {
        get
        {
            lock (_calls)
            {
                return _calls.ToArray();
            }
        }
    }

    public Exception? Failure { get; private set; }

    public void Dispose()
    {
        _stop = true;
        _thread.Join(Timeout);
        try
        {
            // Released synchronously, so the next test's peer can own the name at once.
            var release = new MethodCall(DBusConnection.BusName, new ObjectPath("/org/freedesktop/DBus"),
                DBusConnection.BusName, "ReleaseName", "s");
            release.Body.WriteString(_name);
            _connection.Call(release, Timeout).Dispose();
        }
        finally
        {
            _connection.Dispose();
        }
    }

    private void Serve()
    {
        while (!_stop)
        {
            Message? message;
            try
            {
                message = _connection.ReceiveMessage(TimeSpan.FromMilliseconds(50));
            }
            catch (Exception e)
            {
                Failure = e;
                return;
            }
            if (message is null || message.Type != MessageType.MethodCall)
            {
                message?.Dispose();
                continue;
            }
            using (message)
            {
                lock (_calls)
                {
                    _calls.Add(new RecordedCall(message.Interface, message.Member!, message.Signature, message.Body.ToArray()));
                }
                try
                {
                    if (!_handler(message, _connection))
                    {
                        _connection.SendError(message, "org.freedesktop.DBus.Error.UnknownMethod",
                            $"No method {message.Member}", Timeout);
                    }
                }
                catch (Exception e) when (e is not DBusTransportException)
                {
                    Failure = e;
                    _connection.SendError(message, "org.hookdispatcher.Test.HandlerFailed", e.Message, Timeout);
                }
            }
        }
    }
}
