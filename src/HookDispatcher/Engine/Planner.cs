using HookDispatcher.Host;
using HookDispatcher.Rules;

namespace HookDispatcher.Engine;

/// <summary>Turns (stage, rules, domain XML) into the ordered steps of every handler, in handler order.</summary>
internal sealed class Planner(IReadOnlyList<IHandler> handlers)
{
    public IReadOnlyList<Step> Plan(PlanContext context)
    {
        RefuseUnimplemented(context);
        var steps = new List<Step>();
        foreach (var handler in handlers)
        {
            try
            {
                steps.AddRange(handler.Plan(context));
            }
            catch (HostIoException e)
            {
                // Planning reads the host (online CPUs, MemTotal, the pool): a failed read is reported like a failed
                // step, naming the section, never as an unhandled exception with a stack trace in 'virsh start'.
                throw new PlanException(handler.Kind, e.Message, hostFailure: true);
            }
        }
        return steps;
    }

    /// <summary>
    /// A section this build cannot carry out must stop the start rather than be skipped: the user relies on it
    /// (a GPU left on the host driver would make QEMU fail later with a less helpful error).
    /// </summary>
    private void RefuseUnimplemented(PlanContext context)
    {
        var rules = context.Rules;
        (string Name, Stage? At)[] sections =
        [
            ("gpu", rules.Gpu?.At),
            ("hugepages", rules.Hugepages?.At),
            ("cpuIsolation", rules.CpuIsolation?.At),
            ("sleepInhibitor", rules.SleepInhibitor?.At),
            ("cpuGovernor", rules.CpuGovernor?.At),
        ];
        foreach (var (name, at) in sections)
        {
            var kind = name.ToLowerInvariant();
            if (at == context.Stage && !handlers.Any(h => h.Kind.Equals(kind, StringComparison.OrdinalIgnoreCase)))
            {
                throw new PlanException(name, $"this version of hookdispatcher does not implement the \"{name}\" section yet; remove it from the rules");
            }
        }
    }
}
