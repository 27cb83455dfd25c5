using System.Globalization;
using HookDispatcher.Host;

namespace HookDispatcher.Handlers.LookingGlass;

/// <summary>
/// What the hook knows of the KVMFR module (looking-glass.io, "IVSHMEM with the KVMFR module"; gnif/LookingGlass
/// module/kvmfr.c): loaded with <c>static_size_mb=A,B,…</c> it makes one character device per value,
/// <c>/dev/kvmfr0</c> of A MiB first, owned root:root 0600 until someone gives it to the client's user.
/// </summary>
internal static unsafe class Kvmfr
{
    public const string Module = "kvmfr";

    public const string Device = "/dev/kvmfr0";

    /// <summary>Every device of the module: one held open keeps the module from unloading.</summary>
    public const string DevicePrefix = "/dev/kvmfr";

    /// <summary>
    /// Upstream kvmfr registers the array with permissions 0000, so sysfs does not show it; a build that exposes it
    /// (and the simulated host) is read here first.
    /// </summary>
    public const string SizeParameter = "/sys/module/kvmfr/parameters/static_size_mb";

    /// <summary>KVMFR_MAX_DEVICES.</summary>
    private const int MaxDevices = 10;

    /// <summary>KVMFR_DMABUF_GETSIZE, <c>_IO('u', 0x44)</c> in module/kvmfr.h: answers the device's size in bytes.</summary>
    private const nuint GetSize = 0x7544;

    /// <summary>"static_size_mb=64,32", as modprobe is given it.</summary>
    public static string SizeArgument(IReadOnlyList<ulong> sizesMiB) => "static_size_mb=" + Format(sizesMiB);

    /// <summary>"64,32", as the kernel prints the array and a record keeps it (<see cref="Parse"/> reads it back).</summary>
    public static string Format(IReadOnlyList<ulong> sizesMiB) => string.Join(',', sizesMiB.Select(s => s.ToString(CultureInfo.InvariantCulture)));

    /// <summary>
    /// The loaded module's static devices in MiB, kvmfr0 first (empty: loaded without static_size_mb); null when
    /// they cannot be told. From <see cref="SizeParameter"/> where it exists, else from each device's
    /// KVMFR_DMABUF_GETSIZE ioctl (an int return: exact for every size kvmfr can make, at most 1024 MiB).
    /// </summary>
    public static IReadOnlyList<ulong>? SizesMiB(IHostFs fs)
    {
        if (fs.Exists(SizeParameter))
        {
            return Parse(ProcScan.TryRead(fs, SizeParameter) ?? "");
        }
        var sizes = new List<ulong>();
        for (var i = 0; i < MaxDevices && fs.Exists($"{DevicePrefix}{i}"); i++)
        {
            if (DeviceBytes(fs.Resolve($"{DevicePrefix}{i}")) is not { } bytes)
            {
                return null;
            }
            sizes.Add(bytes >> 20);
        }
        return sizes;
    }

    /// <summary>"static_size_mb=64,32", "no static device" or "an unknown size", for one line.</summary>
    public static string Describe(IReadOnlyList<ulong>? sizesMiB) =>
        sizesMiB is null ? "an unknown static_size_mb" : sizesMiB.Count == 0 ? "no static device" : SizeArgument(sizesMiB);

    /// <summary>The processes holding any kvmfr device open (the module cannot unload while one does).</summary>
    public static IReadOnlyList<(int Pid, string Comm, string Path)> Holders(IHostFs fs) => ProcScan.Holders(fs, [DevicePrefix]);

    /// <summary>"64,32" as a record keeps it; null for "unknown" or garbage.</summary>
    public static IReadOnlyList<ulong>? Parse(string text)
    {
        var sizes = new List<ulong>();
        foreach (var part in text.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!ulong.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            {
                return null;
            }
            sizes.Add(size);
        }
        return sizes;
    }

    private static ulong? DeviceBytes(string path)
    {
        var fd = LibC.Open(path, LibC.O_RDONLY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC | LibC.O_NONBLOCK, 0);
        if (fd < 0)
        {
            return null;
        }
        try
        {
            // Any other file answers ENOTTY; kvmfr returns kdev->size.
            var size = LibC.Ioctl(fd, GetSize, null);
            return size > 0 ? (ulong)size : null;
        }
        finally
        {
            LibC.Close(fd);
        }
    }
}
