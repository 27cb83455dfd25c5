using System.Globalization;

namespace HookDispatcher.Host;

/// <summary>Fields of /proc/meminfo, in kB as the kernel prints them.</summary>
internal static class MemInfo
{
    public static ulong? Read(IHostFs fs, string field)
    {
        foreach (var line in fs.ReadText("/proc/meminfo").Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon > 0 && line.AsSpan(0, colon).SequenceEqual(field))
            {
                var value = line[(colon + 1)..].Trim();
                var space = value.IndexOf(' ');
                var number = space < 0 ? value : value[..space];
                return ulong.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb : null;
            }
        }
        return null;
    }
}
