using Microsoft.Win32.SafeHandles;

namespace HookDispatcher.DBus;

/// <summary>org.freedesktop.login1.Manager, the two calls the dispatcher needs.</summary>
internal sealed class LoginManager(DBusConnection connection, TimeSpan callTimeout)
{
    public const string Destination = "org.freedesktop.login1";
    public const string Interface = "org.freedesktop.login1.Manager";
    public static readonly ObjectPath Path = new("/org/freedesktop/login1");

    /// <summary>
    /// Takes an inhibitor lock ("sleep:shutdown", "who", "why", "block"). The lock lasts while any copy of the
    /// returned descriptor is open, so the caller decides its lifetime by disposing it.
    /// </summary>
    public SafeFileHandle Inhibit(string what, string who, string why, string mode)
    {
        var call = new MethodCall(Destination, Path, Interface, "Inhibit", "ssss");
        call.Body.WriteString(what);
        call.Body.WriteString(who);
        call.Body.WriteString(why);
        call.Body.WriteString(mode);
        using var reply = connection.Call(call, callTimeout);
        return reply.GetBodyReader("h").ReadUnixFd();
    }

    public IReadOnlyList<Inhibitor> ListInhibitors()
    {
        using var reply = connection.Call(new MethodCall(Destination, Path, Interface, "ListInhibitors"), callTimeout);
        var reader = reply.GetBodyReader("a(ssssuu)");
        var end = reader.ReadArrayStart('(');
        var inhibitors = new List<Inhibitor>();
        while (reader.HasNext(end))
        {
            reader.ReadStructStart();
            inhibitors.Add(new Inhibitor(reader.ReadString(), reader.ReadString(), reader.ReadString(),
                reader.ReadString(), reader.ReadUInt32(), reader.ReadUInt32()));
        }
        return inhibitors;
    }
}
