namespace HookDispatcher.Host;

/// <summary>A module could not be loaded or unloaded; <see cref="Errno"/> is set for delete_module failures.</summary>
internal sealed class ModuleException(string module, string message, int errno = 0) : Exception(message)
{
    public string Module { get; } = module;

    public int Errno { get; } = errno;
}
