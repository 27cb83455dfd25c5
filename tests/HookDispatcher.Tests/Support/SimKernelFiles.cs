using HookDispatcher.Handlers.CpuGovernor;
using HookDispatcher.Handlers.CpuIsolation;

namespace HookDispatcher.Tests.Support;

/// <summary>The IRQ, workqueue and cpufreq files of a simulated kernel, added to a <see cref="SimHostFs"/>.</summary>
internal static class SimKernelFiles
{
    /// <summary>IRQs with the given affinity (list syntax), the default mask and both workqueue masks (hex), as on an 8-CPU host.</summary>
    public static SimHostFs WithIrqsAndWorkqueues(this SimHostFs fs, IReadOnlyDictionary<int, string> irqs, string mask = "ff", params int[] managed)
    {
        fs.Set(IrqAffinityStep.DefaultPath, mask + "\n");
        foreach (var (irq, affinity) in irqs)
        {
            fs.Set(IrqAffinityStep.ListPath(irq), affinity + "\n");
            fs.Set($"/proc/irq/{irq}/smp_affinity", "ff\n");
        }
        foreach (var irq in managed)
        {
            fs.Refused.Add(IrqAffinityStep.ListPath(irq));
        }
        fs.Set(WorkqueueMaskStep.GlobalMask, mask + "\n");
        fs.Set(WorkqueueMaskStep.WritebackMask, mask + "\n");
        return fs;
    }

    /// <summary>cpufreq for <paramref name="cpus"/>, each with its own governor (and a preference when <paramref name="epp"/> is given).</summary>
    public static SimHostFs WithCpufreq(this SimHostFs fs, IReadOnlyDictionary<int, string> cpus, string available = "performance powersave",
        string? epp = null)
    {
        foreach (var (cpu, governor) in cpus)
        {
            fs.Set(Cpufreq.Governor(cpu), governor + "\n");
            fs.Set(Cpufreq.AvailableGovernors(cpu), available + "\n");
            if (epp is not null)
            {
                fs.Set(Cpufreq.Epp(cpu), epp + "\n");
                fs.Set(Cpufreq.AvailableEpp(cpu), "default performance balance_performance balance_power power\n");
            }
        }
        return fs;
    }

    /// <summary>
    /// cpufreq as Documentation/admin-guide/pm/cpufreq.rst lays it out: one directory per policy under
    /// /sys/devices/system/cpu/cpufreq/policyX (X: the CPU that created it) with affected_cpus and related_cpus, and
    /// cpuN/cpufreq a link to its policy's directory, so CPUs of one policy share its files.
    /// </summary>
    public static SimHostFs WithCpufreqPolicies(this SimHostFs fs, IReadOnlyDictionary<int, (int[] Cpus, string Governor)> policies,
        string available = "performance powersave schedutil", string? epp = null)
    {
        foreach (var (first, (cpus, governor)) in policies)
        {
            var dir = $"{Cpufreq.PoliciesDir}/policy{first}";
            fs.Set(dir + "/scaling_governor", governor + "\n");
            fs.Set(dir + "/scaling_available_governors", available + "\n");
            fs.Set(dir + "/affected_cpus", string.Join(' ', cpus) + "\n");
            fs.Set(dir + "/related_cpus", string.Join(' ', cpus) + "\n");
            if (epp is not null)
            {
                fs.Set(dir + "/energy_performance_preference", epp + "\n");
                fs.Set(dir + "/energy_performance_available_preferences", "default performance balance_performance balance_power power\n");
            }
            foreach (var cpu in cpus)
            {
                fs.Link(Cpufreq.Dir(cpu), $"../cpufreq/policy{first}");
            }
        }
        return fs;
    }
}
