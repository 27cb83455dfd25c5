namespace HookDispatcher.Values;

/// <summary>
/// An immutable set of CPU (or NUMA node) numbers written in the kernel/libvirt list syntax
/// (<c>0-3,8,10-11</c>; libvirt also allows exclusions <c>0-7,^2</c>).
/// </summary>
internal sealed class CpuSet : IEquatable<CpuSet>
{
    /// <summary>Highest CPU number accepted; guards against "0-4294967295" allocating gigabytes.</summary>
    public const int MaxCpu = 8191;

    private readonly int[] _cpus;

    private CpuSet(int[] sortedDistinct) => _cpus = sortedDistinct;

    public static CpuSet Empty { get; } = new([]);

    public IReadOnlyList<int> Cpus => _cpus;

    public bool IsEmpty => _cpus.Length == 0;

    public int Count => _cpus.Length;

    /// <summary>A set of the given CPUs; each must lie in 0..<see cref="MaxCpu"/> (ToMask and ToString rely on it).</summary>
    public static CpuSet Of(IEnumerable<int> cpus)
    {
        var sorted = cpus.Distinct().Order().ToArray();
        if (sorted.Length > 0 && (sorted[0] < 0 || sorted[^1] > MaxCpu))
        {
            throw new ArgumentOutOfRangeException(nameof(cpus), $"CPU numbers must lie in 0-{MaxCpu}");
        }
        return new CpuSet(sorted);
    }

    /// <summary>Parses list syntax; returns false with a one-line reason on bad input.</summary>
    public static bool TryParse(string? text, out CpuSet set, out string error)
    {
        set = Empty;
        error = "";
        if (text is null)
        {
            error = "a CPU list is required";
            return false;
        }
        var include = new SortedSet<int>();
        var exclude = new HashSet<int>();
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            return true;
        }
        foreach (var rawPart in trimmed.Split(','))
        {
            var part = rawPart.Trim();
            var negate = part.StartsWith('^');
            if (negate)
            {
                part = part[1..];
            }
            if (!TryParseRange(part, out var lo, out var hi, out error))
            {
                error = $"'{rawPart.Trim()}' in CPU list '{text}': {error}";
                return false;
            }
            for (var cpu = lo; cpu <= hi; cpu++)
            {
                (negate ? (ISet<int>)exclude : include).Add(cpu);
            }
        }
        include.ExceptWith(exclude);
        set = new CpuSet(include.ToArray());
        return true;
    }

    public static CpuSet Parse(string text) =>
        TryParse(text, out var set, out var error) ? set : throw new FormatException(error);

    private static bool TryParseRange(string part, out int lo, out int hi, out string error)
    {
        lo = hi = 0;
        error = "";
        var dash = part.IndexOf('-');
        var loText = dash < 0 ? part : part[..dash];
        var hiText = dash < 0 ? part : part[(dash + 1)..];
        if (!TryCpu(loText, out lo) || !TryCpu(hiText, out hi))
        {
            error = $"expected a CPU number 0-{MaxCpu} or a range like 0-3";
            return false;
        }
        if (hi < lo)
        {
            error = "range end is below its start";
            return false;
        }
        return true;
    }

    private static bool TryCpu(string text, out int cpu)
    {
        cpu = 0;
        if (text.Length == 0 || text.Length > 5 || !text.All(char.IsAsciiDigit))
        {
            return false;
        }
        cpu = int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        return cpu <= MaxCpu;
    }

    public bool Contains(int cpu) => Array.BinarySearch(_cpus, cpu) >= 0;

    public CpuSet Union(CpuSet other) => Of(_cpus.Concat(other._cpus));

    public CpuSet Except(CpuSet other) => new(_cpus.Where(c => !other.Contains(c)).ToArray());

    public CpuSet Intersect(CpuSet other) => new(_cpus.Where(other.Contains).ToArray());

    /// <summary>systemd's AllowedCPUs "ay": CPU n is byte n/8, bit n%8, least significant bit first.</summary>
    public byte[] ToMask()
    {
        if (_cpus.Length == 0)
        {
            return [];
        }
        var bytes = new byte[_cpus[^1] / 8 + 1];
        foreach (var cpu in _cpus)
        {
            bytes[cpu / 8] |= (byte)(1 << (cpu % 8));
        }
        return bytes;
    }

    public static CpuSet FromMask(ReadOnlySpan<byte> mask)
    {
        var cpus = new List<int>();
        for (var i = 0; i < mask.Length; i++)
        {
            for (var bit = 0; bit < 8; bit++)
            {
                if ((mask[i] & (1 << bit)) != 0)
                {
                    cpus.Add(i * 8 + bit);
                }
            }
        }
        return new CpuSet(cpus.ToArray());
    }

    /// <summary>Canonical list syntax: ascending, ranges collapsed ("0-3,8").</summary>
    public override string ToString() => ListSyntax(_cpus);

    /// <summary>Any ascending distinct numbers (CPUs, IRQs) in list syntax, ranges collapsed ("24-26,28").</summary>
    public static string ListSyntax(IReadOnlyList<int> sorted)
    {
        var parts = new List<string>();
        for (var i = 0; i < sorted.Count;)
        {
            var j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1)
            {
                j++;
            }
            parts.Add(i == j ? $"{sorted[i]}" : $"{sorted[i]}-{sorted[j]}");
            i = j + 1;
        }
        return string.Join(',', parts);
    }

    public bool Equals(CpuSet? other) => other is not null && _cpus.AsSpan().SequenceEqual(other._cpus);

    public override bool Equals(object? obj) => obj is CpuSet other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var cpu in _cpus)
        {
            hash.Add(cpu);
        }
        return hash.ToHashCode();
    }
}
