namespace HookDispatcher.DBus;

/// <summary>
/// The peer answered with an error reply. <see cref="Exception.Message"/> reads like
/// "org.freedesktop.systemd1.NoSuchUnit: Unit foo.service not loaded."
/// </summary>
internal sealed class DBusErrorException(string errorName, string errorMessage)
    : Exception(errorMessage.Length == 0 ? errorName : $"{errorName}: {errorMessage}")
{
    public string ErrorName { get; } = errorName;

    public string ErrorMessage { get; } = errorMessage;
}
