using HookDispatcher.Engine;
using HookDispatcher.Values;

namespace HookDispatcher.Handlers.CpuGovernor;

/// <summary>
/// Sets the cpufreq governor (and, where the driver offers it, the energy/performance preference) of the VM's CPUs
/// while it runs, per cpufreq policy; at release each policy gets back exactly its own previous value, unless another
/// running domain still wants it tuned. Refuses, before anything changes, a CPU without cpufreq and a governor the CPU does not offer.
/// </summary>
internal sealed class CpuGovernorHandler : IHandler
{
    public const string KindName = "cpuGovernor";

    public string Kind => KindName;

    public IReadOnlyList<IRecordKind> RecordKinds { get; } = [new CpuGovernorRecord()];

    public IEnumerable<Step> Plan(PlanContext context)
    {
        var rule = context.Rules.CpuGovernor;
        if (rule is null || rule.At != context.Stage)
        {
            return [];
        }
        var cpus = rule.Cpus ?? context.Domain.VcpuPinnedCpus ?? CpuSet.Empty;
        if (cpus.IsEmpty)
        {
            throw new PlanException(KindName,
                "cpus is \"auto\" but the domain XML pins no vCPUs (<cputune><vcpupin>); pin the vCPUs or give cpus");
        }
        var fs = context.Fs;
        var policies = new List<PolicyShare>();
        foreach (var cpu in cpus.Cpus)
        {
            if (!fs.Exists(Cpufreq.Governor(cpu)))
            {
                throw new PlanException(KindName, $"CPU {cpu} has no cpufreq ({fs.Resolve(Cpufreq.Governor(cpu))} does not exist): its governor cannot be set");
            }
        }
        // One write per policy: CPUs sharing one (cpuN/cpufreq links to the same policyX) share its files.
        foreach (var group in cpus.Cpus.GroupBy(cpu => CpufreqPolicy.Of(fs, cpu)))
        {
            var policy = group.Key;
            var available = Cpufreq.Words(fs, policy.AvailableGovernors);
            if (!available.Contains(rule.Governor, StringComparer.Ordinal))
            {
                throw new PlanException(KindName,
                    $"governor \"{rule.Governor}\" is not available on CPU {group.First()} (scaling_available_governors: {string.Join(' ', available)})");
            }
            var hasEpp = false;
            if (rule.Epp is { } epp && fs.Exists(policy.Epp))
            {
                if (fs.Exists(policy.AvailableEpp) && Cpufreq.Words(fs, policy.AvailableEpp) is var preferences
                    && !preferences.Contains(epp, StringComparer.Ordinal))
                {
                    throw new PlanException(KindName,
                        $"epp \"{epp}\" is not available on CPU {group.First()} (energy_performance_available_preferences: {string.Join(' ', preferences)})");
                }
                hasEpp = true;
            }
            policies.Add(new PolicyShare(policy, CpuSet.Of(group), hasEpp));
        }
        return [new CpuGovernorStep(rule.Governor, cpus, rule.Epp, policies, fs)];
    }
}
