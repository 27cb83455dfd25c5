using Tmds.DBus.Protocol;

namespace HookDispatcher.Tests.DBus;

/// <summary>
/// A second connection to the test bus that owns a name and answers every call under /org with
/// <paramref name="handler"/>; every call is recorded. A handler exception becomes an error reply.
/// </summary>
internal sealed class TestPeer : IDisposable, IPathMethodHandler
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private readonly DBusConnection _connection;
    private readonly string _name;
    private readonly Func<MethodContext, bool> _handler;
    private readonly List<RecordedCall> _calls = [];

    /// <param name="handler">Answers a call (or decides to leave it unanswered) and returns true, or returns false to
    /// get an UnknownMethod error.</param>
    public TestPeer(string address, string name, Func<MethodContext, bool> handler)
    {
        _name = name;
        _handler = handler;
        _connection = new DBusConnection(address);
        try
        {
            _connection.ConnectAsync().AsTask().WaitAsync(Timeout).GetAwaiter().GetResult();
            _connection.AddMethodHandler(this);
            _connection.RequestNameAsync(name, RequestNameOptions.None).WaitAsync(Timeout).GetAwaiter().GetResult();
        }
        catch
        {
            _connection.Dispose();
            throw;
        }
    }

    public string Path => "/org";

    public bool HandlesChildPaths => true;

    public string UniqueName => _connection.UniqueName!;

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

    /// <summary>This peer's connection: what it sends carries its unique name as the sender.</summary>
    public DBusConnection Connection => _connection;

    public delegate void WriteBody(ref MessageWriter writer);

    /// <param name="destination">null broadcasts it (delivered by match rule); a unique name sends it to that client alone.</param>
    public static void Emit(DBusConnection connection, string path, string @interface, string member, string signature, WriteBody body, string? destination = null)
    {
        var writer = connection.GetMessageWriter();
        try
        {
            writer.WriteSignalHeader(destination, path, @interface, member, signature);
            body(ref writer);
            if (!connection.TrySendMessage(writer.CreateMessage()))
            {
                throw new InvalidOperationException($"could not send {member}: the connection is closed");
            }
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>Replies to <paramref name="call"/> with a body of <paramref name="signature"/> written by <paramref name="body"/>.</summary>
    public static void Reply(MethodContext call, string signature = "", WriteBody? body = null)
    {
        var writer = call.CreateReplyWriter(signature.Length == 0 ? null : signature);
        try
        {
            body?.Invoke(ref writer);
            call.Reply(writer.CreateMessage());
        }
        finally
        {
            writer.Dispose();
        }
    }

    public ValueTask HandleMethodAsync(MethodContext context)
    {
        var call = context.Request;
        lock (_calls)
        {
            _calls.Add(new RecordedCall(call.InterfaceAsString, call.MemberAsString!, call.SignatureAsString, call.PathAsString!, BodyText.Of(call)));
        }
        try
        {
            if (!_handler(context))
            {
                context.ReplyUnknownMethodError();
            }
        }
        catch (Exception e)
        {
            Failure = e;
            context.ReplyError("org.hookdispatcher.Test.HandlerFailed", e.Message);
        }
        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        try
        {
            // Released synchronously, so the next test's peer can own the name at once.
            _connection.ReleaseNameAsync(_name).WaitAsync(Timeout).GetAwaiter().GetResult();
        }
        finally
        {
            _connection.Dispose();
        }
    }
}
