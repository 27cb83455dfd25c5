using Tmds.DBus.Protocol;

namespace HookDispatcher.Host.Systemd;

/// <summary>
/// One Tmds.DBus.Protocol connection used synchronously: the hook is short-lived and single-threaded, so every call
/// blocks on its reply for at most <see cref="Timeout"/>. Failures keep the D-Bus error name in their one-line
/// message; transport failures name the bus address.
/// </summary>
internal sealed class BusClient : IDisposable
{
    public const string SystemBusAddress = "unix:path=/run/dbus/system_bus_socket";

    private readonly DBusConnection _connection;

    private BusClient(string address, TimeSpan timeout)
    {
        Address = address;
        Timeout = timeout;
        _connection = new DBusConnection(address);
    }

    public string Address { get; }

    public TimeSpan Timeout { get; }

    public DBusConnection Connection => _connection;

    /// <summary>Connects, authenticates and says Hello, all within <paramref name="timeout"/>.</summary>
    public static BusClient Connect(string address, TimeSpan timeout)
    {
        // The runtime's epoll thread would hand every read to the thread pool, whose worker then wakes our blocked
        // thread: two thread hops per reply. Read before the first asynchronous socket operation of the process.
        Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        var client = new BusClient(address, timeout);
        try
        {
            client.Wait(client._connection.ConnectAsync().AsTask(), "connect to");
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public MessageWriter Writer() => _connection.GetMessageWriter();

    /// <summary>Calls a method whose reply has no body (or one the caller does not need).</summary>
    public void Call(MessageBuffer call, string what) => Wait(_connection.CallMethodAsync(call), what);

    public T Call<T>(MessageBuffer call, MessageValueReader<T> read, string what, object? state = null) =>
        Wait(_connection.CallMethodAsync(call, read, state), what);

    /// <summary>Waits for <paramref name="task"/>; <paramref name="what"/> names it in errors ("call GetUnit on").</summary>
    public T Wait<T>(Task<T> task, string what)
    {
        Wait((Task)task, what);
        return task.Result;
    }

    public void Wait(Task task, string what)
    {
        // A wait handle, not WaitAsync(timeout): its timer would start the runtime's timer thread in every hook process.
        if (!((IAsyncResult)task).AsyncWaitHandle.WaitOne(Timeout))
        {
            throw new TimeoutException($"Cannot {what} '{Address}': no answer within {Timeout.TotalSeconds:0.#} s");
        }
        try
        {
            task.GetAwaiter().GetResult();
        }
        catch (DBusConnectionException e)
        {
            throw new BusTransportException(Address, what, e);
        }
    }

    public void Dispose() => _connection.Dispose();
}
