using System.Globalization;
using HookDispatcher.Host;
using HookDispatcher.Values;

namespace HookDispatcher.Handlers.Hugepages;

/// <summary>One kernel hugepage pool: a page size, globally or on one NUMA node.</summary>
internal sealed record HugepagePool(ulong PageSizeBytes, int? Node)
{
    public const string NodesDirectory = "/sys/devices/system/node";

    public string Directory => Node is { } node
        ? FormattableString.Invariant($"{NodesDirectory}/node{node}/hugepages/{ByteSize.KernelPoolName(PageSizeBytes)}")
        : $"/sys/kernel/mm/hugepages/{ByteSize.KernelPoolName(PageSizeBytes)}";

    public string NrPath => Directory + "/nr_hugepages";

    /// <summary>"2048kB", as the kernel and our messages name the size.</summary>
    public string SizeName => ByteSize.KernelSizeName(PageSizeBytes);

    /// <summary>Identifies the pool in state records so domains sharing it find each other.</summary>
    public string Key => NrPath;

    /// <summary>"global" or "node0": the pool's name among the pools of its size (in records and messages).</summary>
    public string Place => Node is { } n ? FormattableString.Invariant($"node{n}") : "global";

    /// <summary>The global pool of the same size: its count is the sum of the per-node counts.</summary>
    public HugepagePool Global => this with { Node = null };

    public long Read(IHostFs fs)
    {
        var text = fs.ReadText(NrPath).Trim();
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            ? count
            : throw new HostIoException("parse", fs.Resolve(NrPath), text, Errno.EINVAL);
    }

    public void Write(IHostFs fs, long count) => fs.WriteText(NrPath, count.ToString(CultureInfo.InvariantCulture));

    /// <summary>The per-node pools of this size the kernel has (none on a kernel without NUMA in sysfs).</summary>
    public IReadOnlyList<HugepagePool> NodePools(IHostFs fs)
    {
        if (!fs.Exists(NodesDirectory))
        {
            return [];
        }
        var pools = new List<HugepagePool>();
        foreach (var name in fs.ListDirectory(NodesDirectory))
        {
            if (name.StartsWith("node", StringComparison.Ordinal) &&
                int.TryParse(name.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var node))
            {
                var pool = this with { Node = node };
                if (fs.Exists(pool.NrPath))
                {
                    pools.Add(pool);
                }
            }
        }
        return pools.OrderBy(p => p.Node).ToList();
    }
}
