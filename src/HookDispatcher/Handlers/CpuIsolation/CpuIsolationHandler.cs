using HookDispatcher.Engine;
using HookDispatcher.Host;
using HookDispatcher.Values;

namespace HookDispatcher.Handlers.CpuIsolation;

/// <summary>
/// Confines host units (system.slice, user.slice, init.scope) to the CPUs no running VM wants. Each domain records
/// the host set it allows; the units get the intersection over every isolating domain, and the values found before
/// the first of them are restored when the last one is released. Derived from the state files, under the lock.
/// With <c>irqs</c> and <c>workqueues</c> (default true) the same host set goes to IRQ affinity and the unbound
/// workqueue masks, each in a step of its own (<see cref="IrqAffinityStep"/>, <see cref="WorkqueueMaskStep"/>).
/// </summary>
internal sealed class CpuIsolationHandler(ISystemd systemd) : IHandler
{
    public const string KindName = "cpuIsolation";
    public const string OnlinePath = "/sys/devices/system/cpu/online";

    public string Kind => KindName;

    public IReadOnlyList<IRecordKind> RecordKinds { get; } =
    [
        new CpuIsolationRecord(systemd),
        new KernelFileRecord(IrqAffinityStep.KindName, IrqAffinityStep.Undo, IrqAffinityStep.DescribeUndo, IrqAffinityStep.Reconcile),
        new KernelFileRecord(WorkqueueMaskStep.KindName, WorkqueueMaskStep.Undo, WorkqueueMaskStep.DescribeUndo),
    ];

    public IEnumerable<Step> Plan(PlanContext context)
    {
        var rule = context.Rules.CpuIsolation;
        if (rule is null || rule.At != context.Stage)
        {
            return [];
        }
        if (rule.Units.Count > 0 && CgroupCpuset.Missing(context.Fs) is { } missing)
        {
            // systemd would accept AllowedCPUs and ignore it: the VM would run with nothing isolated, silently.
            throw new PlanException(KindName,
                $"{missing}: systemd ignores AllowedCPUs there; boot with systemd.unified_cgroup_hierarchy=1, or set \"units\": [] to move only IRQs and workqueues");
        }
        var online = OnlineCpus(context.Fs);
        CpuSet host;
        if (rule.HostCpus is { } explicitSet)
        {
            host = explicitSet;
            if (!host.Except(online).IsEmpty)
            {
                throw new PlanException(KindName, $"hostCpus {host} names CPUs that are not online ({host.Except(online)}; online: {online})");
            }
        }
        else
        {
            if (context.Domain.PinnedCpus.IsEmpty)
            {
                throw new PlanException(KindName,
                    "hostCpus is \"auto\" but the domain XML neither pins its CPUs (<cputune><vcpupin>) nor restricts them (<vcpu cpuset>); pin the vCPUs or give hostCpus");
            }
            host = online.Except(context.Domain.PinnedCpus);
        }
        if (host.IsEmpty)
        {
            throw new PlanException(KindName, $"the host would keep no CPU (online {online}, domain pins or restricts {context.Domain.PinnedCpus})");
        }
        var steps = new List<Step> { new CpuIsolationStep(systemd, rule.Units, host) };
        // Where the kernel has no such files (no /proc/irq, no unbound-workqueue mask) there is nothing to move.
        if (rule.Irqs && context.Fs.Exists(IrqAffinityStep.DefaultPath))
        {
            steps.Add(new IrqAffinityStep(host, context.Fs));
        }
        if (rule.Workqueues && WorkqueueMaskStep.Files(context.Fs).Count > 0)
        {
            steps.Add(new WorkqueueMaskStep(host, context.Fs));
        }
        return steps;
    }

    /// <summary>The records among <paramref name="records"/> that confine <paramref name="unit"/>.</summary>
    internal static List<StepRecord> Sharing(IEnumerable<StepRecord> records, string unit) =>
        records.Where(r => Units(r).Contains(unit)).ToList();

    internal static IReadOnlyList<string> Units(StepRecord record) => record.As<CpuIsolationData>().Units;

    internal static CpuSet? Original(StepRecord record, string unit) =>
        record.As<CpuIsolationData>().Originals.TryGetValue(unit, out var text) && text.Length > 0 ? CpuSet.Parse(text) : null;

    /// <summary>What every record among <paramref name="records"/> (of any cpuIsolation kind) leaves to the host together.</summary>
    internal static CpuSet Intersection(IEnumerable<StepRecord> records) =>
        records.Select(r => CpuSet.Parse(r.Data is IHostCpusData d ? d.HostCpus : throw new InvalidDataException($"state record '{r.Id}' has no host CPUs")))
            .Aggregate((a, b) => a.Intersect(b));

    private static CpuSet OnlineCpus(IHostFs fs)
    {
        var text = fs.ReadText(OnlinePath).Trim();
        return CpuSet.TryParse(text, out var online, out var error) ? online : throw new PlanException(KindName, $"{fs.Resolve(OnlinePath)}: {error}");
    }
}
