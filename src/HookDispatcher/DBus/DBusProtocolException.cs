namespace HookDispatcher.DBus;

/// <summary>A message that breaks the wire format or does not have the shape the caller expects.</summary>
internal sealed class DBusProtocolException(string message) : IOException(message);
