using Tmds.DBus.Protocol;

namespace HookDispatcher.Host.Systemd;

/// <summary>
/// The bus could not be reached or dropped the connection; the message names the address and what was being done
/// ("Cannot connect to 'unix:path=/run/dbus/system_bus_socket': No such file or directory").
/// </summary>
internal sealed class BusTransportException(string address, string what, DBusConnectionException inner)
    : IOException($"Cannot {what} '{address}': {Reason(address, inner)}", inner)
{
    public string Address { get; } = address;

    private static string Reason(string address, Exception e)
    {
        // .NET reports connect(2)'s ENOENT on a UNIX socket as "Cannot assign requested address"; a bus that is not
        // there at all is the common case (a container, dbus not started), so say it the way the kernel does.
        if (address.StartsWith("unix:path=", StringComparison.Ordinal) && address.IndexOf(',') < 0 && !File.Exists(address["unix:path=".Length..]))
        {
            return Errno.Describe(Errno.ENOENT);
        }
        // Tmds wraps the socket error; its message is the one that says what went wrong.
        return e.InnerException is { } cause && cause.Message.Length > 0 ? cause.Message : e.Message;
    }
}
