using System.Globalization;
using HookDispatcher.Host;
using HookDispatcher.Values;

namespace HookDispatcher.Doctor;

/// <summary>The hugepage sizes the kernel offers, the free memory, and how many pages of each size a reservation could likely get now.</summary>
internal static class HugepageChecks
{
    private const string Area = "host";
    private const string Pools = "/sys/kernel/mm/hugepages";

    public static IEnumerable<DoctorCheck> Run(IHostFs fs)
    {
        var sizes = HostChecks.List(fs, Pools).Where(n => ByteSize.FromKernelPoolName(n) is not null).ToList();
        if (sizes.Count == 0)
        {
            yield return DoctorCheck.Warning(Area, "hugepages", $"no pools in {Pools}",
                "the kernel lacks CONFIG_HUGETLBFS: the hugepages section cannot work here");
            yield break;
        }
        ulong? available = null, free = null;
        try
        {
            available = MemInfo.Read(fs, "MemAvailable");
            free = MemInfo.Read(fs, "MemFree");
        }
        catch (HostIoException)
        {
        }
        var names = sizes.Select(s => ByteSize.Human(ByteSize.FromKernelPoolName(s)!.Value));
        yield return DoctorCheck.Pass(Area, "hugepage sizes", string.Join(", ", names));
        if (available is null)
        {
            yield return DoctorCheck.Warning(Area, "memory", "cannot read MemAvailable from /proc/meminfo", "check /proc is mounted");
            yield break;
        }
        yield return DoctorCheck.Pass(Area, "memory", $"{ByteSize.Human(available.Value * 1024)} available, {ByteSize.Human((free ?? 0) * 1024)} free");
        foreach (var size in sizes)
        {
            var kb = ByteSize.FromKernelPoolName(size)!.Value / 1024;
            var nr = Count(fs, $"{Pools}/{size}/nr_hugepages");
            var idle = Count(fs, $"{Pools}/{size}/free_hugepages");
            // Pages beyond the pool come out of available memory; gigantic pages need contiguous free memory, which
            // MemFree bounds better than MemAvailable (page cache must first be dropped and compacted).
            var source = kb >= 1024 * 1024 ? free ?? 0 : available.Value;
            var more = source / kb;
            var name = ByteSize.Human(kb * 1024);
            var value = $"{nr} reserved ({idle} free), about {more} more could likely be reserved now";
            yield return more == 0 && idle == 0
                ? DoctorCheck.Warning(Area, $"hugepages {name}", value,
                    kb >= 1024 * 1024 ? "reserve 1 GiB pages at boot: hugepagesz=1G hugepages=N on the kernel command line" : "free memory first (stop other VMs or services)")
                : DoctorCheck.Pass(Area, $"hugepages {name}", value);
        }
    }

    private static ulong Count(IHostFs fs, string path) =>
        ulong.TryParse(ProcScan.TryRead(fs, path)?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
}
