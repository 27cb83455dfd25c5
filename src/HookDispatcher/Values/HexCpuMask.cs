using System.Globalization;
using System.Text;

namespace HookDispatcher.Values;

/// <summary>
/// The kernel's hex cpumask text (<c>/proc/irq/default_smp_affinity</c>, the workqueue <c>cpumask</c>): CPU n is
/// bit n, written most significant first in comma-separated 32-bit groups ("ff,ffffffff"); bitmap_parse reads it
/// back with or without leading zeros.
/// </summary>
internal static class HexCpuMask
{
    public static string Format(CpuSet cpus)
    {
        if (cpus.IsEmpty)
        {
            return "0";
        }
        var groups = new uint[cpus.Cpus[^1] / 32 + 1];
        foreach (var cpu in cpus.Cpus)
        {
            groups[cpu / 32] |= 1u << (cpu % 32);
        }
        var text = new StringBuilder(groups[^1].ToString("x", CultureInfo.InvariantCulture));
        for (var i = groups.Length - 2; i >= 0; i--)
        {
            text.Append(',').Append(groups[i].ToString("x8", CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }

    /// <summary>Reads a mask as the kernel prints it; false on anything else.</summary>
    public static bool TryParse(string text, out CpuSet cpus)
    {
        cpus = CpuSet.Empty;
        var groups = text.Trim().Split(',');
        var set = new List<int>();
        for (var g = 0; g < groups.Length; g++)
        {
            var group = groups[groups.Length - 1 - g];
            if (group.Length is 0 or > 8 || !uint.TryParse(group, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var bits))
            {
                return false;
            }
            for (var bit = 0; bit < 32; bit++)
            {
                if ((bits & (1u << bit)) != 0)
                {
                    var cpu = g * 32 + bit;
                    if (cpu > CpuSet.MaxCpu)
                    {
                        return false;
                    }
                    set.Add(cpu);
                }
            }
        }
        cpus = CpuSet.Of(set);
        return true;
    }
}
