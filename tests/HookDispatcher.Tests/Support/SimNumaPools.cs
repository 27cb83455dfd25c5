using System.Globalization;
using HookDispatcher.Host;

namespace HookDispatcher.Tests.Support;

/// <summary>
/// The kernel's hugepage pools on a NUMA host, for 2 MiB and 1 GiB pages, laid out as
/// Documentation/admin-guide/mm/hugetlbpage.rst describes them: /sys/kernel/mm/hugepages/hugepages-{size}kB/ and
/// /sys/devices/system/node/nodeN/hugepages/hugepages-{size}kB/, each with nr_hugepages, free_hugepages and
/// surplus_hugepages; nodeN/meminfo ("Node N MemTotal:", "Node N HugePages_Total:", …) and node/online. Each node has
/// its own count, and the global <c>nr_hugepages</c> is their sum. As in mm/hugetlb.c, writing the global file adds or
/// frees pages round-robin over the nodes with memory (so the test cannot rely on where they land), writing a node
/// file changes only that node. No page is in use: free_hugepages equals nr_hugepages, surplus is 0.
/// </summary>
internal sealed class SimNumaPools : IHostFs
{
    public static readonly ulong[] SizesKb = [2048, 1048576];

    private readonly Dictionary<ulong, long[]> _counts = [];
    private readonly Dictionary<string, string> _files = new(StringComparer.Ordinal);
    private int _nextNode;

    public SimNumaPools(int nodes, ulong defaultPageKb = 2048, ulong memTotalKb = 64UL * 1024 * 1024)
    {
        Nodes = nodes;
        foreach (var kb in SizesKb)
        {
            _counts[kb] = new long[nodes];
        }
        _files["/proc/meminfo"] = FormattableString.Invariant($"MemTotal:       {memTotalKb} kB\nHugepagesize:       {defaultPageKb} kB\n");
        _files["/proc/sys/vm/drop_caches"] = "0\n";
        _files["/sys/devices/system/node/online"] = (nodes == 1 ? "0" : FormattableString.Invariant($"0-{nodes - 1}")) + "\n";
        MemTotalKb = memTotalKb;
        _files["/proc/sys/vm/compact_memory"] = "";
    }

    public int Nodes { get; }

    public ulong MemTotalKb { get; }

    public List<(string Path, string Value)> Writes { get; } = [];

    /// <summary>A 2-socket server with 4 NUMA nodes (two per socket, as with sub-NUMA clustering), 64 GiB each.</summary>
    public static SimNumaPools TwoSocketServer() => new(4, memTotalKb: 4 * 64UL * 1024 * 1024);

    public static string GlobalPath(ulong kb) => FormattableString.Invariant($"/sys/kernel/mm/hugepages/hugepages-{kb}kB/nr_hugepages");

    public static string NodePath(int node, ulong kb) =>
        FormattableString.Invariant($"/sys/devices/system/node/node{node}/hugepages/hugepages-{kb}kB/nr_hugepages");

    public long Count(ulong kb, int? node = null) => node is { } n ? _counts[kb][n] : _counts[kb].Sum();

    public void SetNode(ulong kb, int node, long count) => _counts[kb][node] = count;

    /// <summary>The most pages of a size the kernel can find right now (over all nodes); growing stops there.</summary>
    public Dictionary<ulong, long> Capacity { get; } = SizesKb.ToDictionary(kb => kb, _ => long.MaxValue);

    /// <summary>Every pool's count: equal snapshots mean equal pools.</summary>
    public string Snapshot() => string.Join(" ", SizesKb.Select(kb => $"{kb}kB:[{string.Join(',', _counts[kb])}]"));

    public string Root => "/";

    public string Resolve(string absolutePath) => absolutePath;

    public bool Exists(string absolutePath) =>
        Paths().Any(p => p == absolutePath || p.StartsWith(absolutePath.TrimEnd('/') + "/", StringComparison.Ordinal));

    public string ReadText(string absolutePath)
    {
        if (Parse(absolutePath) is { } pool)
        {
            return Count(pool.Kb, pool.Node).ToString(CultureInfo.InvariantCulture) + "\n";
        }
        foreach (var (file, value) in new[] { ("free_hugepages", 1), ("surplus_hugepages", 0) })
        {
            if (absolutePath.EndsWith("/" + file, StringComparison.Ordinal) &&
                Parse(absolutePath[..^file.Length] + "nr_hugepages") is { } p)
            {
                return (value * Count(p.Kb, p.Node)).ToString(CultureInfo.InvariantCulture) + "\n";
            }
        }
        for (var n = 0; n < Nodes; n++)
        {
            if (absolutePath == NodeDirectory(n) + "/meminfo")
            {
                return NodeMeminfo(n);
            }
        }
        return _files.TryGetValue(absolutePath, out var text) ? text : throw new HostIoException("read", absolutePath, null, Errno.ENOENT);
    }

    public void WriteText(string absolutePath, string value)
    {
        Writes.Add((absolutePath, value));
        if (Parse(absolutePath) is not { } pool)
        {
            if (!_files.ContainsKey(absolutePath) && Paths().Contains(absolutePath))
            {
                // free_hugepages, surplus_hugepages and meminfo are read-only (mode 0444).
                throw new HostIoException("write", absolutePath, value, Errno.EACCES);
            }
            if (!_files.ContainsKey(absolutePath))
            {
                throw new HostIoException("write", absolutePath, value, Errno.ENOENT);
            }
            return;
        }
        var target = long.Parse(value, CultureInfo.InvariantCulture);
        if (target < 0)
        {
            throw new HostIoException("write", absolutePath, value, Errno.EINVAL);
        }
        var counts = _counts[pool.Kb];
        var others = counts.Sum() - (pool.Node is { } m ? counts[m] : counts.Sum());
        if (target > Count(pool.Kb, pool.Node))
        {
            target = Math.Max(Count(pool.Kb, pool.Node), Math.Min(target, Capacity[pool.Kb] - others));
        }
        if (pool.Node is { } node)
        {
            counts[node] = target;
            return;
        }
        var delta = target - counts.Sum();
        while (delta != 0)
        {
            var n = _nextNode;
            _nextNode = (_nextNode + 1) % Nodes;
            if (delta > 0)
            {
                counts[n]++;
                delta--;
            }
            else if (counts[n] > 0)
            {
                counts[n]--;
                delta++;
            }
        }
    }

    public string? ReadLink(string absolutePath) => null;

    public IReadOnlyList<string> ListDirectory(string absolutePath)
    {
        var prefix = absolutePath.TrimEnd('/') + "/";
        var names = Paths().Where(p => p.StartsWith(prefix, StringComparison.Ordinal))
            .Select(p => p[prefix.Length..].Split('/')[0]).Distinct().Order(StringComparer.Ordinal).ToList();
        return names.Count > 0 ? names : throw new HostIoException("list", absolutePath, null, Errno.ENOENT);
    }

    private IEnumerable<string> Paths() =>
        SizesKb.Select(GlobalPath)
            .Concat(SizesKb.SelectMany(kb => Enumerable.Range(0, Nodes).Select(n => NodePath(n, kb))))
            .SelectMany(nr => new[] { nr, nr[..^"nr_hugepages".Length] + "free_hugepages", nr[..^"nr_hugepages".Length] + "surplus_hugepages" })
            .Concat(Enumerable.Range(0, Nodes).Select(n => NodeDirectory(n) + "/meminfo"))
            .Concat(_files.Keys);

    private static string NodeDirectory(int node) => FormattableString.Invariant($"/sys/devices/system/node/node{node}");

    /// <summary>drivers/base/node.c's node_read_meminfo, the lines a reader of hugepages needs; the node's share of MemTotal.</summary>
    private string NodeMeminfo(int n)
    {
        var totalKb = MemTotalKb / (ulong)Nodes;
        var hugeKb = SizesKb.Aggregate(0UL, (sum, kb) => sum + (ulong)_counts[kb][n] * kb);
        var free = Count(2048, n);
        return FormattableString.Invariant($"""
            Node {n} MemTotal:       {totalKb} kB
            Node {n} MemFree:        {totalKb - Math.Min(totalKb, hugeKb)} kB
            Node {n} MemUsed:        {Math.Min(totalKb, hugeKb)} kB
            Node {n} HugePages_Total:  {free}
            Node {n} HugePages_Free:   {free}
            Node {n} HugePages_Surp:      0

            """);
    }

    private static (ulong Kb, int? Node)? Parse(string path)
    {
        foreach (var kb in SizesKb)
        {
            if (path == GlobalPath(kb))
            {
                return (kb, null);
            }
            const string nodes = "/sys/devices/system/node/node";
            var suffix = FormattableString.Invariant($"/hugepages/hugepages-{kb}kB/nr_hugepages");
            if (path.StartsWith(nodes, StringComparison.Ordinal) && path.EndsWith(suffix, StringComparison.Ordinal) &&
                int.TryParse(path.AsSpan(nodes.Length, path.Length - nodes.Length - suffix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                return (kb, n);
            }
        }
        return null;
    }
}
