using HookDispatcher.Host;

namespace HookDispatcher.Tests.Reliability;

/// <summary>Every read and write of /sys and /proc counts as an operation that <see cref="FaultPlan"/> may fail (EIO).</summary>
internal sealed class FaultyHostFs(IHostFs inner, FaultPlan plan) : IHostFs
{
    public string Root => inner.Root;

    public string Resolve(string absolutePath) => inner.Resolve(absolutePath);

    public bool Exists(string absolutePath) => inner.Exists(absolutePath);

    public string ReadText(string absolutePath)
    {
        plan.Hit($"read {absolutePath}", _ => new HostIoException("read", absolutePath, null, Errno.EIO));
        return inner.ReadText(absolutePath);
    }

    public string? ReadLink(string absolutePath)
    {
        plan.Hit($"readlink {absolutePath}", _ => new HostIoException("readlink", absolutePath, null, Errno.EIO));
        return inner.ReadLink(absolutePath);
    }

    public IReadOnlyList<string> ListDirectory(string absolutePath)
    {
        plan.Hit($"list {absolutePath}", _ => new HostIoException("list", absolutePath, null, Errno.EIO));
        return inner.ListDirectory(absolutePath);
    }

    public void WriteText(string absolutePath, string value)
    {
        plan.Hit($"write {value} to {absolutePath}", _ => new HostIoException("write", absolutePath, value, Errno.EIO));
        inner.WriteText(absolutePath, value);
    }
}
