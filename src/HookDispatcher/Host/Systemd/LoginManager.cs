using Microsoft.Win32.SafeHandles;
using Tmds.DBus.Protocol;

namespace HookDispatcher.Host.Systemd;

/// <summary>org.freedesktop.login1.Manager, the two calls the dispatcher needs.</summary>
internal sealed class LoginManager(BusClient bus)
{
    public const string Destination = "org.freedesktop.login1";
    public const string Interface = "org.freedesktop.login1.Manager";
    public const string Path = "/org/freedesktop/login1";

    /// <summary>
    /// Takes an inhibitor lock ("sleep:shutdown", "who", "why", "block"). The lock lasts while any copy of the
    /// returned descriptor is open, so the caller decides its lifetime by disposing it.
    /// </summary>
    public SafeFileHandle Inhibit(string what, string who, string why, string mode)
    {
        using var writer = bus.Writer();
        writer.WriteMethodCallHeader(Destination, Path, Interface, "Inhibit", "ssss");
        writer.WriteString(what);
        writer.WriteString(who);
        writer.WriteString(why);
        writer.WriteString(mode);
        return bus.Call(writer.CreateMessage(), static (message, _) => message.GetBodyReader().ReadHandle<SafeFileHandle>(), "call Inhibit on");
    }

    public IReadOnlyList<Inhibitor> ListInhibitors()
    {
        using var writer = bus.Writer();
        writer.WriteMethodCallHeader(Destination, Path, Interface, "ListInhibitors", "");
        return bus.Call(writer.CreateMessage(), ReadInhibitors, "call ListInhibitors on");
    }

    private static List<Inhibitor> ReadInhibitors(Message message, object? state)
    {
        var reader = message.GetBodyReader();
        var end = reader.ReadArrayStart(DBusType.Struct);
        var inhibitors = new List<Inhibitor>();
        while (reader.HasNext(end))
        {
            reader.AlignStruct();
            inhibitors.Add(new Inhibitor(reader.ReadString(), reader.ReadString(), reader.ReadString(),
                reader.ReadString(), reader.ReadUInt32(), reader.ReadUInt32()));
        }
        return inhibitors;
    }
}
