using System.Text.RegularExpressions;
using Shouldly;

namespace HookDispatcher.Tests.Reliability;

/// <summary>
/// The fault matrix: a domain's prepare, start, started and release with gpu (single-GPU handover), hugepages,
/// sleepInhibitor, cpuIsolation (AllowedCPUs, IRQs, workqueue masks), cpuGovernor and services, run once to enumerate every host operation (sysfs/procfs read and write, systemd/logind call,
/// state file change), then once per operation with exactly that one failing.
/// </summary>
public sealed partial class FaultInjectionTests
{
    private static readonly (string Op, string Sub)[] Start = [("prepare", "begin"), ("start", "begin"), ("started", "begin")];

    [Fact]
    public void EverySingleFailingHostOperationIsUndoneOrLeftForReleaseAndReleaseLeavesNoResidue()
    {
        var reference = Run(0);
        reference.Problems.ShouldBeEmpty();
        var count = reference.Operations.Count;
        count.ShouldBeGreaterThan(20, string.Join("\n", reference.Operations));
        string[] newSteps =
        [
            "write f to /proc/irq/default_smp_affinity", "write 0-3 to /proc/irq/24/smp_affinity_list", "write 0-3 to /proc/irq/26/smp_affinity_list",
            "write f to /sys/devices/virtual/workqueue/cpumask", "write f to /sys/devices/virtual/workqueue/writeback/cpumask",
            "write performance to /sys/devices/system/cpu/cpu5/cpufreq/scaling_governor",
            "write performance to /sys/devices/system/cpu/cpu5/cpufreq/energy_performance_preference",
            "write schedutil to /sys/devices/system/cpu/cpu5/cpufreq/scaling_governor", "write 4-5 to /proc/irq/25/smp_affinity_list",
            "write ff to /sys/devices/virtual/workqueue/cpumask",
        ];
        newSteps.Except(reference.Operations).ShouldBeEmpty(string.Join("\n", reference.Operations));

        var runs = Enumerable.Range(1, count).Select(Run).ToList();

        var residue = runs.Count(r => r.Residue);
        var undoFailures = runs.Count(r => r.UndoFailed);
        Figures.Record($"fault injection: {count} operations, {runs.Count(r => r.Injected is not null)} faults injected, "
            + $"{undoFailures} hit an undo (state kept, a later release cleaned up), {residue} left residue");
        var problems = runs.Where(r => r.Problems.Count > 0)
            .Select(r => $"fault {r.FailAt} ({r.Injected}):\n  " + string.Join("\n  ", r.Problems)).ToList();
        problems.ShouldBeEmpty(string.Join("\n", problems));
        runs.ShouldAllBe(r => r.Injected != null);
        residue.ShouldBe(0);
    }

    private sealed record Outcome(int FailAt, string? Injected, IReadOnlyList<string> Operations, List<string> Problems, bool UndoFailed, bool Residue);

    private static Outcome Run(int failAt)
    {
        using var world = new FaultWorld(failAt);
        var problems = new List<string>();
        var baseline = world.Host();
        var undoFailed = false;
        foreach (var (op, sub) in Start)
        {
            var (hostBefore, stateBefore) = (world.Host(), world.State());
            var (code, stderr) = world.Hook(op, sub);
            if (code == 0)
            {
                Expect(problems, stderr == "", $"{op} succeeded but wrote to stderr: {stderr}");
                continue;
            }
            Expect(problems, code == 1, $"{op} exited {code}, expected 1: {stderr}");
            Expect(problems, OneLineNamingAStep(op).IsMatch(stderr), $"{op}: stderr is not one line naming the step: '{stderr}'");
            if (stderr.Contains("undo also failed", StringComparison.Ordinal))
            {
                // The undo of the failed event hit the fault: what could not be undone must still be held.
                undoFailed = true;
                Expect(problems, world.Held().Count > 0, $"{op}: undo failed but the state file holds nothing");
            }
            else
            {
                Expect(problems, world.Host() == hostBefore, $"{op} failed and the host changed:\n{hostBefore}\n→\n{world.Host()}");
                Expect(problems, world.State() == stateBefore, $"{op} failed and the state changed:\n{stateBefore}\n→\n{world.State()}");
            }
            break;
        }
        world.Hook("stopped", "end").ExitCode.ShouldBe(0);
        var (releaseCode, releaseError) = world.Hook("release", "end");
        if (releaseCode != 0)
        {
            undoFailed = true;
            Expect(problems, releaseCode == 1 && releaseError.StartsWith("hookdispatcher: vm release: could not undo ", StringComparison.Ordinal)
                && releaseError.TrimEnd('\n').Split('\n').Length == 1, $"release: '{releaseError}'");
            Expect(problems, world.Held().Count > 0, "release failed but the state file holds nothing");
            // What 'hookctl release' does: the fault was single, so this one must clear everything.
            var failures = world.Services.Executor.Release(FaultWorld.Domain, Support.Fixtures.Log);
            Expect(problems, failures.Count == 0, "the second release failed: " + string.Join("; ", failures));
        }
        var residue = world.Host() != baseline || File.Exists(world.StateFile);
        Expect(problems, world.Host() == baseline, $"after release the host differs from before:\n{baseline}\n→\n{world.Host()}");
        Expect(problems, !File.Exists(world.StateFile), "after release a state file is left: " + world.State());
        return new Outcome(failAt, world.Plan.Injected, world.Plan.Operations, problems, undoFailed, residue);
    }

    private static Regex OneLineNamingAStep(string op) =>
        new($"^hookdispatcher: vm {op}: (gpu[^ ]*|hugepages(:[^ ]+)?|sleepInhibitor|cpuIsolation[^ ]*|cpuGovernor|services[.]stop): [^\n]+\n$");

    private static void Expect(List<string> problems, bool condition, string problem)
    {
        if (!condition)
        {
            problems.Add(problem);
        }
    }
}
