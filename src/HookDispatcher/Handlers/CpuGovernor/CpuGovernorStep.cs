using System.Globalization;
using HookDispatcher.Engine;
using HookDispatcher.Handlers.CpuIsolation;
using HookDispatcher.Host;
using HookDispatcher.Values;

namespace HookDispatcher.Handlers.CpuGovernor;

/// <summary>
/// Records each CPU's governor (and preference) as found before any domain tuned it, then writes the tuned values:
/// governor first, because intel_pstate refuses a preference other than "performance" under the performance governor
/// (EBUSY), so at release too the governor goes back before the preference.
/// </summary>
internal sealed class CpuGovernorStep(string governor, CpuSet cpus, string? epp, CpuSet eppCpus, IHostFs planFs) : Step
{
    private const string GovernorKey = "governor.";
    private const string EppKey = "epp.";

    public override string Id => CpuGovernorHandler.KindName;

    public override string Kind => CpuGovernorHandler.KindName;

    public override string Summary =>
        $"set the cpufreq governor of CPUs {cpus} to {governor}" + (epp is not null && !eppCpus.IsEmpty ? $" and the energy preference of {eppCpus} to {epp}" : "");

    public override IReadOnlyList<string> Actions
    {
        get
        {
            var actions = new List<string>();
            foreach (var cpu in cpus.Cpus)
            {
                actions.Add($"write {governor} to {Cpufreq.Governor(cpu)} (now {planFs.ReadText(Cpufreq.Governor(cpu)).Trim()})");
                if (epp is not null && eppCpus.Contains(cpu))
                {
                    actions.Add($"write {epp} to {Cpufreq.Epp(cpu)} (now {planFs.ReadText(Cpufreq.Epp(cpu)).Trim()})");
                }
            }
            if (epp is not null && !cpus.Except(eppCpus).IsEmpty)
            {
                actions.Add($"no energy_performance_preference on CPUs {cpus.Except(eppCpus)} (not an active-mode pstate driver): epp left alone there");
            }
            actions.Add("release restores each CPU's own value, unless another running domain still tunes it");
            return actions;
        }
    }

    public override void Apply(StepScope scope)
    {
        var fs = scope.Context.Fs;
        var others = scope.Context.OtherDomainsRecords(CpuGovernorHandler.KindName);
        var data = new Dictionary<string, string>
        {
            ["governor"] = governor,
            ["epp"] = epp ?? "",
            ["cpus"] = cpus.ToString(),
        };
        foreach (var cpu in cpus.Cpus)
        {
            data[GovernorKey + Number(cpu)] = Original(others, GovernorKey + Number(cpu), fs, Cpufreq.Governor(cpu));
            if (epp is not null && eppCpus.Contains(cpu))
            {
                data[EppKey + Number(cpu)] = Original(others, EppKey + Number(cpu), fs, Cpufreq.Epp(cpu));
            }
        }
        scope.Intent(data);
        foreach (var cpu in cpus.Cpus)
        {
            fs.WriteText(Cpufreq.Governor(cpu), governor);
            if (epp is not null && eppCpus.Contains(cpu))
            {
                fs.WriteText(Cpufreq.Epp(cpu), epp);
            }
        }
        scope.Done();
    }

    /// <summary>
    /// Per CPU: while another running domain tunes it, its tuned values stay (the latest such domain's); otherwise
    /// the values recorded before the first domain tuned it come back. A CPU gone offline since is skipped.
    /// </summary>
    public static void Undo(StepRecord record, ExecContext context)
    {
        var fs = context.Fs;
        var others = context.OtherDomainsRecords(CpuGovernorHandler.KindName);
        foreach (var (cpu, original) in Values(record, GovernorKey))
        {
            if (!fs.Exists(Cpufreq.Governor(cpu)))
            {
                context.Log.Warning("CPU {Cpu} has no cpufreq any more (offline?); its governor is not restored", cpu);
                continue;
            }
            var holder = others.LastOrDefault(r => r.Data.ContainsKey(GovernorKey + Number(cpu)));
            fs.WriteText(Cpufreq.Governor(cpu), holder?.Get("governor") ?? original);
            if (record.Data.TryGetValue(EppKey + Number(cpu), out var originalEpp) && fs.Exists(Cpufreq.Epp(cpu)))
            {
                var eppHolder = others.LastOrDefault(r => r.Data.ContainsKey(EppKey + Number(cpu)));
                fs.WriteText(Cpufreq.Epp(cpu), eppHolder?.Get("epp") ?? originalEpp);
            }
        }
    }

    public static IReadOnlyList<string> DescribeUndo(StepRecord record)
    {
        var lines = Values(record, GovernorKey).Select(v => $"write {v.Original} to {Cpufreq.Governor(v.Cpu)} (unless another running domain still tunes CPU {v.Cpu})").ToList();
        lines.AddRange(Values(record, EppKey).Select(v => $"write {v.Original} to {Cpufreq.Epp(v.Cpu)} (unless another running domain still tunes CPU {v.Cpu})"));
        return lines;
    }

    private static string Original(IReadOnlyList<StepRecord> others, string key, IHostFs fs, string path) =>
        IsolationShares.Original(others, key, () => fs.ReadText(path).Trim());

    private static string Number(int cpu) => cpu.ToString(CultureInfo.InvariantCulture);

    private static IEnumerable<(int Cpu, string Original)> Values(StepRecord record, string prefix) => record.Data
        .Where(d => d.Key.StartsWith(prefix, StringComparison.Ordinal) && d.Key.Length > prefix.Length)
        .Select(d => (Cpu: int.Parse(d.Key[prefix.Length..], CultureInfo.InvariantCulture), Original: d.Value))
        .OrderBy(v => v.Cpu);
}
