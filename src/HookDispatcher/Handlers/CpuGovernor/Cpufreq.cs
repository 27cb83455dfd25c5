using System.Globalization;
using HookDispatcher.Host;

namespace HookDispatcher.Handlers.CpuGovernor;

/// <summary>One CPU's cpufreq policy files (<c>/sys/devices/system/cpu/cpuN/cpufreq/</c>).</summary>
internal static class Cpufreq
{
    public static string Dir(int cpu) => string.Create(CultureInfo.InvariantCulture, $"/sys/devices/system/cpu/cpu{cpu}/cpufreq");

    public static string Governor(int cpu) => Dir(cpu) + "/scaling_governor";

    public static string AvailableGovernors(int cpu) => Dir(cpu) + "/scaling_available_governors";

    /// <summary>Present only with amd-pstate / intel_pstate in active mode.</summary>
    public static string Epp(int cpu) => Dir(cpu) + "/energy_performance_preference";

    public static string AvailableEpp(int cpu) => Dir(cpu) + "/energy_performance_available_preferences";

    public static IReadOnlyList<string> Words(IHostFs fs, string path) =>
        fs.ReadText(path).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
}
