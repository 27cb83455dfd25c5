namespace HookDispatcher.Host;

/// <summary>A failed read or write of a kernel or state path, naming the path, the value and errno.</summary>
internal sealed class HostIoException : Exception
{
    public HostIoException(string operation, string path, string? value, int errno, Exception? inner = null)
        : base(Format(operation, path, value, errno, inner), inner)
    {
        Operation = operation;
        Path = path;
        Value = value;
        Errno = errno;
    }

    public string Operation { get; }

    public string Path { get; }

    public string? Value { get; }

    public int Errno { get; }

    private static string Format(string operation, string path, string? value, int errno, Exception? inner)
    {
        var what = value is null ? $"Cannot {operation} '{path}'" : $"Cannot {operation} '{value}' to '{path}'";
        var why = errno != 0 ? Host.Errno.Describe(errno) : inner?.Message ?? "unknown error";
        return $"{what}: {why}";
    }
}
