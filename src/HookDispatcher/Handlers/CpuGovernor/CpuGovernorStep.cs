using HookDispatcher.Engine;
using HookDispatcher.Host;
using HookDispatcher.Values;

namespace HookDispatcher.Handlers.CpuGovernor;

/// <summary>The domain's CPUs of one cpufreq policy, and whether the policy offers the preference file.</summary>
internal sealed record PolicyShare(CpufreqPolicy Policy, CpuSet Cpus, bool Epp);

/// <summary>
/// Records each cpufreq policy's governor (and preference) as found before any domain tuned it, then writes the tuned
/// values: governor first, because intel_pstate refuses a preference other than "performance" under the
/// performance governor (EBUSY), so at release too the governor goes back before the preference. Values are kept
/// per policy (<see cref="CpufreqPolicy"/>): two domains whose CPUs share one are both its holders.
/// </summary>
internal sealed class CpuGovernorStep(string governor, CpuSet cpus, string? epp, IReadOnlyList<PolicyShare> policies, IHostFs planFs) : Step
{
    private static readonly Func<CpuGovernorData, Dictionary<string, string>> Governors = d => d.OriginalGovernors;
    private static readonly Func<CpuGovernorData, Dictionary<string, string>> Epps = d => d.OriginalEpps;

    private CpuSet EppCpus => CpuSet.Of(policies.Where(p => p.Epp).SelectMany(p => p.Cpus.Cpus));

    public override string Id => CpuGovernorHandler.KindName;

    public override string Kind => CpuGovernorHandler.KindName;

    public override string Summary =>
        $"set the cpufreq governor of CPUs {cpus} to {governor}" + (epp is not null && !EppCpus.IsEmpty ? $" and the energy preference of {EppCpus} to {epp}" : "");

    public override IReadOnlyList<string> Actions
    {
        get
        {
            var actions = new List<string>();
            foreach (var (policy, members, hasEpp) in policies)
            {
                var whose = policy.Name.StartsWith("policy", StringComparison.Ordinal) ? $"{policy.Name}, shared by CPUs {members} of this domain and any others in it; " : "";
                actions.Add($"write {governor} to {policy.Governor} ({whose}now {planFs.ReadText(policy.Governor).Trim()})");
                if (epp is not null && hasEpp)
                {
                    actions.Add($"write {epp} to {policy.Epp} (now {planFs.ReadText(policy.Epp).Trim()})");
                }
            }
            if (epp is not null && !cpus.Except(EppCpus).IsEmpty)
            {
                actions.Add($"no energy_performance_preference on CPUs {cpus.Except(EppCpus)} (not an active-mode pstate driver): epp left alone there");
            }
            actions.Add("release restores each policy's own value, unless another running domain still tunes it");
            return actions;
        }
    }

    public override void Apply(StepScope scope)
    {
        var fs = scope.Context.Fs;
        var others = scope.Context.OtherDomainsRecords(CpuGovernorHandler.KindName);
        var data = new CpuGovernorData { Governor = governor, Epp = epp, Cpus = cpus.ToString() };
        foreach (var (policy, _, hasEpp) in policies)
        {
            data.OriginalGovernors[policy.Name] = Original(others, Governors, policy, fs) ?? fs.ReadText(policy.Governor).Trim();
            if (epp is not null && hasEpp)
            {
                data.OriginalEpps[policy.Name] = Original(others, Epps, policy, fs) ?? fs.ReadText(policy.Epp).Trim();
            }
        }
        scope.Intent(data);
        foreach (var (policy, _, hasEpp) in policies)
        {
            fs.WriteText(policy.Governor, governor);
            if (epp is not null && hasEpp)
            {
                fs.WriteText(policy.Epp, epp);
            }
        }
        scope.Done();
    }

    /// <summary>
    /// Per policy: while another running domain tunes it, its tuned values stay (the latest such domain's); otherwise
    /// the values recorded before the first domain tuned it come back. A policy gone since (CPUs offline) is skipped.
    /// </summary>
    public static void Undo(StepRecord record, ExecContext context)
    {
        var fs = context.Fs;
        var others = context.OtherDomainsRecords(CpuGovernorHandler.KindName);
        foreach (var (name, original) in Values(record, Governors))
        {
            var policy = CpufreqPolicy.FromKey(fs, name);
            if (!fs.Exists(policy.Governor))
            {
                context.Log.Warning("cpufreq {Policy:l} is gone (CPUs offline?); its governor is not restored", policy.Name);
                continue;
            }
            var holder = others.LastOrDefault(r => Holds(r, Governors, policy, fs));
            fs.WriteText(policy.Governor, holder?.As<CpuGovernorData>().Governor ?? original);
            if (record.As<CpuGovernorData>().OriginalEpps.TryGetValue(name, out var originalEpp) && fs.Exists(policy.Epp))
            {
                var eppHolder = others.LastOrDefault(r => Holds(r, Epps, policy, fs));
                fs.WriteText(policy.Epp, eppHolder?.As<CpuGovernorData>().Epp ?? originalEpp);
            }
        }
    }

    public static IReadOnlyList<string> DescribeUndo(StepRecord record)
    {
        var lines = Values(record, Governors).Select(v => $"write {v.Original} to {PathOf(v.Name)}/scaling_governor (unless another running domain still tunes {v.Name})").ToList();
        lines.AddRange(Values(record, Epps).Select(v => $"write {v.Original} to {PathOf(v.Name)}/energy_performance_preference (unless another running domain still tunes {v.Name})"));
        return lines;
    }

    /// <summary>The value the first other holder of <paramref name="policy"/> found; null when none holds it.</summary>
    private static string? Original(IReadOnlyList<StepRecord> others, Func<CpuGovernorData, Dictionary<string, string>> values, CpufreqPolicy policy, IHostFs fs) =>
        others.Select(r => Values(r, values).FirstOrDefault(v => CpufreqPolicy.FromKey(fs, v.Name).Name == policy.Name).Original)
            .FirstOrDefault(v => v is not null);

    private static bool Holds(StepRecord record, Func<CpuGovernorData, Dictionary<string, string>> values, CpufreqPolicy policy, IHostFs fs) =>
        Values(record, values).Any(v => CpufreqPolicy.FromKey(fs, v.Name).Name == policy.Name);

    /// <summary>The directory a key names, for the dry run (a bare number: a CPU, as records before policies name it).</summary>
    private static string PathOf(string name) =>
        name.StartsWith("policy", StringComparison.Ordinal) ? $"{Cpufreq.PoliciesDir}/{name}"
        : int.TryParse(name.StartsWith("cpu", StringComparison.Ordinal) ? name[3..] : name, out var cpu) ? Cpufreq.Dir(cpu)
        : name;

    /// <summary>The values found of the governor or the preference, by policy (or CPU, in older records), in name order.</summary>
    private static IEnumerable<(string Name, string Original)> Values(StepRecord record, Func<CpuGovernorData, Dictionary<string, string>> values) =>
        values(record.As<CpuGovernorData>())
            .Select(d => (Name: d.Key, Original: d.Value))
            .OrderBy(v => v.Name, StringComparer.Ordinal);
}
