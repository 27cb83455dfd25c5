using Tmds.DBus.Protocol;

namespace HookDispatcher.Host.Systemd;

/// <summary>
/// The bus could not be reached or dropped the connection; the message names the address and what was being done
/// ("Cannot connect to 'unix:path=/run/dbus/system_bus_socket': No such file or directory").
/// </summary>
internal sealed class BusTransportException(string address, string what, DBusConnectionException inner)
    : IOException($"Cannot {what} '{address}': {Reason(inner)}", inner)
{
    public string Address { get; } = address;

    // Tmds wraps the socket error; its message is the one that says what went wrong.
    private static string Reason(Exception e) => e.InnerException is { } cause && cause.Message.Length > 0 ? cause.Message : e.Message;
}
