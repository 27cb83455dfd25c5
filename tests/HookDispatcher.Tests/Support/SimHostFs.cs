using System.Globalization;
using HookDispatcher.Host;

namespace HookDispatcher.Tests.Support;

/// <summary>
/// An in-memory /sys + /proc with just enough kernel behaviour for the hugepage pool: a write to nr_hugepages is
/// granted up to <see cref="Grantable"/> pages, which the test or compact_memory/drop_caches can raise.
/// Every write is logged; <see cref="FailOn"/> injects an errno at one path.
/// </summary>
internal sealed class SimHostFs : IHostFs
{
    public const string Pool2M = "/sys/kernel/mm/hugepages/hugepages-2048kB";
    public const string Nr2M = Pool2M + "/nr_hugepages";

    private readonly Dictionary<string, string> _files = new(StringComparer.Ordinal);

    public SimHostFs(long grantable = 100_000, ulong memTotalKb = 24UL * 1024 * 1024)
    {
        Grantable = grantable;
        _files[Nr2M] = "0\n";
        _files[Pool2M + "/free_hugepages"] = "0\n";
        _files["/proc/sys/vm/drop_caches"] = "0\n";
        _files["/proc/sys/vm/compact_memory"] = "";
        _files["/sys/devices/system/cpu/online"] = "0-7\n";
        _files["/sys/fs/cgroup/cgroup.controllers"] = "cpuset cpu io memory pids\n";
        _files["/proc/meminfo"] = $"MemTotal:       {memTotalKb} kB\nMemFree:        1000 kB\nHugepagesize:       2048 kB\n";
    }

    public string Root => "/";

    /// <summary>The most pages the pool can reach right now.</summary>
    public long Grantable { get; set; }

    /// <summary>How much each compaction / cache drop raises <see cref="Grantable"/>.</summary>
    public long CompactGain { get; set; }

    public long DropGain { get; set; }

    public List<(string Path, string Value)> Writes { get; } = [];

    public (string Path, int Errno)? FailOn { get; set; }

    /// <summary>Fails only the write of this value to this path (the undo writing another value there succeeds).</summary>
    public (string Path, string Value, int Errno)? FailWrite { get; set; }

    /// <summary>Paths whose writes the kernel refuses with EIO, as it does for managed IRQs.</summary>
    public HashSet<string> Refused { get; } = new(StringComparer.Ordinal);

    public long Pages => long.Parse(_files[Nr2M].Trim(), CultureInfo.InvariantCulture);

    public void Set(string path, string content) => _files[Canonical(path)] = content;

    public void Unset(string path) => _files.Remove(Canonical(path));

    /// <summary>A symbolic link, as sysfs has them (cpuN/cpufreq → ../cpufreq/policyX): paths through it reach the target's files.</summary>
    public void Link(string path, string relativeTarget)
    {
        var absolute = Path.GetFullPath(Path.Join(Path.GetDirectoryName(path)!, relativeTarget));
        _links[path] = (relativeTarget, absolute);
    }

    private readonly Dictionary<string, (string Relative, string Absolute)> _links = new(StringComparer.Ordinal);

    private string Canonical(string path)
    {
        foreach (var (link, target) in _links)
        {
            if (path == link || path.StartsWith(link + "/", StringComparison.Ordinal))
            {
                return target.Absolute + path[link.Length..];
            }
        }
        return path;
    }

    /// <summary>Every file's content, sorted by path: two snapshots are equal when the host is.</summary>
    public string Snapshot() => string.Join("\n", _files.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key}={f.Value.Trim()}"));

    public string Resolve(string absolutePath) => absolutePath;

    public bool Exists(string absolutePath)
    {
        var path = Canonical(absolutePath);
        return _files.ContainsKey(path) || _files.Keys.Any(k => k.StartsWith(path.TrimEnd('/') + "/", StringComparison.Ordinal));
    }

    public string ReadText(string absolutePath) =>
        _files.TryGetValue(Canonical(absolutePath), out var text) ? text : throw new HostIoException("read", absolutePath, null, Errno.ENOENT);

    /// <summary>The links set with <see cref="Link"/> (PCI devices' links: SimPciHost).</summary>
    public string? ReadLink(string absolutePath) => _links.TryGetValue(absolutePath, out var target) ? target.Relative : null;

    public IReadOnlyList<string> ListDirectory(string absolutePath)
    {
        var prefix = Canonical(absolutePath).TrimEnd('/') + "/";
        var names = _files.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
            .Select(k => k[prefix.Length..].Split('/')[0]).Distinct().Order(StringComparer.Ordinal).ToList();
        return names.Count > 0 ? names : throw new HostIoException("list", absolutePath, null, Errno.ENOENT);
    }

    /// <summary>
    /// The number of the write (counting from 1) at which the hook "dies": <see cref="SimulatedCrash"/> escapes every
    /// handler and the executor's undo, leaving the journal as a kill would (after the write took effect when
    /// <see cref="CrashAfterWrite"/>).
    /// </summary>
    public int? CrashAtWrite { get; set; }

    public bool CrashAfterWrite { get; set; }

    public int WriteCount { get; private set; }

    public void WriteText(string absolutePath, string value)
    {
        if (++WriteCount == CrashAtWrite && !CrashAfterWrite)
        {
            throw new SimulatedCrash();
        }
        Write(absolutePath, value);
        if (WriteCount == CrashAtWrite)
        {
            throw new SimulatedCrash();
        }
    }

    private void Write(string path, string value)
    {
        var absolutePath = Canonical(path);
        if (FailOn is { } fail && fail.Path == absolutePath)
        {
            throw new HostIoException("write", absolutePath, value, fail.Errno);
        }
        if (!_files.ContainsKey(absolutePath))
        {
            throw new HostIoException("write", absolutePath, value, Errno.ENOENT);
        }
        if (FailWrite is { } once && once.Path == absolutePath && once.Value == value)
        {
            throw new HostIoException("write", absolutePath, value, once.Errno);
        }
        if (Refused.Contains(absolutePath))
        {
            throw new HostIoException("write", absolutePath, value, Errno.EIO);
        }
        Writes.Add((absolutePath, value));
        switch (absolutePath)
        {
            case Nr2M:
                var asked = long.Parse(value, CultureInfo.InvariantCulture);
                // Shrinking always works; growing stops where the kernel finds no more contiguous memory.
                _files[Nr2M] = (asked <= Pages ? asked : Math.Min(asked, Math.Max(Grantable, Pages))) + "\n";
                break;
            case "/proc/sys/vm/compact_memory":
                Grantable += CompactGain;
                break;
            case "/proc/sys/vm/drop_caches":
                Grantable += DropGain;
                break;
            default:
                _files[absolutePath] = value;
                break;
        }
    }
}

/// <summary>The hook killed in the middle of a step (an OutOfMemoryException: the one kind the executor never catches).</summary>
internal sealed class SimulatedCrash() : OutOfMemoryException("simulated kill -9");
