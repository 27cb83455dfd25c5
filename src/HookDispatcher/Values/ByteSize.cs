using System.Globalization;

namespace HookDispatcher.Values;

/// <summary>Sizes as rule files and libvirt write them.</summary>
internal static class ByteSize
{
    /// <summary>
    /// Multiplier for a libvirt unit attribute (<c>&lt;memory unit=…&gt;</c>): b/bytes, KB (1000), k/KiB (1024),
    /// MB, M/MiB, GB, G/GiB, TB, T/TiB, PB, P/PiB, EB, E/EiB. libvirt's default unit is KiB. Case as libvirt: the
    /// decimal "B" forms are case-insensitive in libvirt, so are the binary ones. An empty unit is the default, as
    /// libvirt reads <c>unit=''</c> as absent.
    /// </summary>
    public static bool TryUnitMultiplier(string? unit, out ulong multiplier)
    {
        multiplier = 0;
        var u = string.IsNullOrWhiteSpace(unit) ? "kib" : unit.Trim().ToLowerInvariant();
        const ulong K = 1024;
        multiplier = u switch
        {
            "b" or "byte" or "bytes" => 1,
            "kb" => 1000,
            "k" or "kib" => K,
            "mb" => 1000UL * 1000,
            "m" or "mib" => K * K,
            "gb" => 1000UL * 1000 * 1000,
            "g" or "gib" => K * K * K,
            "tb" => 1000UL * 1000 * 1000 * 1000,
            "t" or "tib" => K * K * K * K,
            "pb" => 1000UL * 1000 * 1000 * 1000 * 1000,
            "p" or "pib" => K * K * K * K * K,
            "eb" => 1000UL * 1000 * 1000 * 1000 * 1000 * 1000,
            "e" or "eib" => K * K * K * K * K * K,
            _ => 0,
        };
        return multiplier != 0;
    }

    /// <summary>Value × unit with overflow checking.</summary>
    public static bool TryScale(string? value, string? unit, out ulong bytes)
    {
        bytes = 0;
        if (!TryUnitMultiplier(unit, out var multiplier) ||
            !ulong.TryParse(value?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }
        try
        {
            bytes = checked(number * multiplier);
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    /// <summary>Hugepage size as a rule writes it: "2M", "1G", "2MiB", "1GiB", "2048kB", "1048576kB".</summary>
    public static bool TryParsePageSize(string? text, out ulong bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        var t = text.Trim();
        var split = 0;
        while (split < t.Length && char.IsAsciiDigit(t[split]))
        {
            split++;
        }
        if (split == 0 || split == t.Length)
        {
            return false;
        }
        // The kernel's "kB" (hugepages-2048kB, /proc/meminfo) means KiB, not libvirt's decimal KB.
        var unit = t[split..].Trim();
        if (unit.Equals("kB", StringComparison.OrdinalIgnoreCase))
        {
            unit = "KiB";
        }
        if (TryScale(t[..split], unit, out bytes) && (bytes == TwoMiB || bytes == OneGiB))
        {
            return true;
        }
        bytes = 0;
        return false;
    }

    public const ulong TwoMiB = 2UL * 1024 * 1024;

    public const ulong OneGiB = 1024UL * 1024 * 1024;

    private const string PoolPrefix = "hugepages-";

    /// <summary>The kernel's name for a page size, in KiB it writes "kB": 2048kB.</summary>
    public static string KernelSizeName(ulong pageSizeBytes) => FormattableString.Invariant($"{pageSizeBytes / 1024}kB");

    /// <summary>The kernel's directory name for a page size: hugepages-2048kB.</summary>
    public static string KernelPoolName(ulong pageSizeBytes) => PoolPrefix + KernelSizeName(pageSizeBytes);

    /// <summary>The page size a kernel pool directory is named for (any size: hugepages-32768kB too); null for other names.</summary>
    public static ulong? FromKernelPoolName(string name) =>
        name.StartsWith(PoolPrefix, StringComparison.Ordinal) && name.EndsWith("kB", StringComparison.Ordinal)
        && ulong.TryParse(name.AsSpan(PoolPrefix.Length, name.Length - PoolPrefix.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var kb)
            ? kb * 1024
            : null;

    /// <summary>"16 GiB", "195.3 GiB", "64 MiB": for messages, one decimal at most.</summary>
    public static string Human(ulong bytes) => bytes switch
    {
        >= OneGiB => FormattableString.Invariant($"{bytes / (double)OneGiB:0.#} GiB"),
        >= 1024 * 1024 => FormattableString.Invariant($"{bytes / (1024.0 * 1024):0.#} MiB"),
        _ => FormattableString.Invariant($"{bytes} bytes"),
    };
}
