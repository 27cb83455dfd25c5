using System.Globalization;
using HookDispatcher.Host;

namespace HookDispatcher.Handlers.CpuGovernor;

/// <summary>One CPU's cpufreq files (<c>/sys/devices/system/cpu/cpuN/cpufreq/</c>).</summary>
internal static class Cpufreq
{
    public const string PoliciesDir = "/sys/devices/system/cpu/cpufreq";

    public static string Dir(int cpu) => string.Create(CultureInfo.InvariantCulture, $"/sys/devices/system/cpu/cpu{cpu}/cpufreq");

    public static string Governor(int cpu) => Dir(cpu) + "/scaling_governor";

    public static string AvailableGovernors(int cpu) => Dir(cpu) + "/scaling_available_governors";

    /// <summary>Present only with amd-pstate / intel_pstate in active mode.</summary>
    public static string Epp(int cpu) => Dir(cpu) + "/energy_performance_preference";

    public static string AvailableEpp(int cpu) => Dir(cpu) + "/energy_performance_available_preferences";

    public static IReadOnlyList<string> Words(IHostFs fs, string path) =>
        fs.ReadText(path).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>
/// A cpufreq policy: the one set of scaling files that several CPUs may share. Documentation/admin-guide/pm/
/// cpufreq.rst: "a policy directory policyX under /sys/devices/system/cpu/cpufreq/ … and cpuN/cpufreq is a symbolic
/// link to the policy directory of the policy CPU N belongs to" (one policy per cluster or per package on many
/// laptops and AMD parts). Writing one CPU's scaling_governor sets every CPU of its policy, so values are recorded
/// and restored per policy. Without the link (kernels before 4.3 had a directory per CPU) each CPU is its own.
/// </summary>
internal sealed record CpufreqPolicy(string Name, string Dir)
{
    public string Governor => Dir + "/scaling_governor";

    public string AvailableGovernors => Dir + "/scaling_available_governors";

    public string Epp => Dir + "/energy_performance_preference";

    public string AvailableEpp => Dir + "/energy_performance_available_preferences";

    public static CpufreqPolicy Of(IHostFs fs, int cpu)
    {
        var target = fs.ReadLink(Cpufreq.Dir(cpu));
        var name = target is null ? null : Path.GetFileName(target.TrimEnd('/'));
        return name is not null && name.StartsWith("policy", StringComparison.Ordinal)
            ? new CpufreqPolicy(name, $"{Cpufreq.PoliciesDir}/{name}")
            : new CpufreqPolicy(string.Create(CultureInfo.InvariantCulture, $"cpu{cpu}"), Cpufreq.Dir(cpu));
    }

    /// <summary>
    /// The policy a record's key names: "policy2" or "cpu3" (this format), or a bare CPU number as records written
    /// before per-policy accounting name it, resolved to that CPU's policy now.
    /// </summary>
    public static CpufreqPolicy FromKey(IHostFs fs, string name) =>
        int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var cpu) ? Of(fs, cpu)
        : name.StartsWith("policy", StringComparison.Ordinal) ? new CpufreqPolicy(name, $"{Cpufreq.PoliciesDir}/{name}")
        : name.StartsWith("cpu", StringComparison.Ordinal) && int.TryParse(name.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? Of(fs, n)
        : throw new InvalidDataException($"cpuGovernor record names an unknown cpufreq policy '{name}'");
}
