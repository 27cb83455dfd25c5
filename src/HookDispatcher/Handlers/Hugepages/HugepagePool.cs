using System.Globalization;
using HookDispatcher.Host;
using HookDispatcher.Values;

namespace HookDispatcher.Handlers.Hugepages;

/// <summary>One kernel hugepage pool: a page size, globally or on one NUMA node.</summary>
internal sealed record HugepagePool(ulong PageSizeBytes, int? Node)
{
    public string Directory => Node is { } node
        ? FormattableString.Invariant($"/sys/devices/system/node/node{node}/hugepages/{ByteSize.KernelPoolName(PageSizeBytes)}")
        : $"/sys/kernel/mm/hugepages/{ByteSize.KernelPoolName(PageSizeBytes)}";

    public string NrPath => Directory + "/nr_hugepages";

    /// <summary>"2048kB", as the kernel and our messages name the size.</summary>
    public string SizeName => FormattableString.Invariant($"{PageSizeBytes / 1024}kB");

    /// <summary>Identifies the pool in state records so domains sharing it find each other.</summary>
    public string Key => NrPath;

    public long Read(IHostFs fs)
    {
        var text = fs.ReadText(NrPath).Trim();
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            ? count
            : throw new HostIoException("parse", fs.Resolve(NrPath), text, Errno.EINVAL);
    }

    public void Write(IHostFs fs, long count) => fs.WriteText(NrPath, count.ToString(CultureInfo.InvariantCulture));
}
