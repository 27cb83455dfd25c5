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
}
