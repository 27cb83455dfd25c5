namespace HookDispatcher.Hook;

internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>An action on the host failed (libvirt aborts a start on any non-zero exit).</summary>
    public const int ActionFailed = 1;

    /// <summary>Bad usage, bad rules, bad domain XML: found before the host is touched.</summary>
    public const int Invalid = 2;
}
