using HookDispatcher.Host;

namespace HookDispatcher.DBus;

/// <summary>
/// The connection to the bus failed or timed out; the message names the address, what was being done and errno
/// ("Cannot connect to 'unix:path=/run/dbus/system_bus_socket': ENOENT (No such file or directory)").
/// </summary>
internal sealed class DBusTransportException : IOException
{
    public DBusTransportException(string address, string operation, int errno)
        : base($"Cannot {operation} '{address}': {Host.Errno.Describe(errno)}")
    {
        Address = address;
        Errno = errno;
    }

    public DBusTransportException(string address, string operation, string reason)
        : base($"Cannot {operation} '{address}': {reason}")
    {
        Address = address;
    }

    public string Address { get; }

    /// <summary>The errno of the failed call, or 0 when the failure was not a system call (timeout, bad reply).</summary>
    public int Errno { get; }
}
