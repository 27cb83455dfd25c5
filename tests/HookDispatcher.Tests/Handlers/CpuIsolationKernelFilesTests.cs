using HookDispatcher.Engine;
using HookDispatcher.Handlers.CpuIsolation;
using HookDispatcher.Rules;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Handlers;

/// <summary>cpuIsolation's IRQ and workqueue steps on a simulated 8-CPU kernel (the real kernel: RealKernelIsolationTests).</summary>
public sealed class CpuIsolationKernelFilesTests
{
    private static readonly Dictionary<int, string> Irqs = new() { [24] = "0-7", [25] = "0", [26] = "4-5", [30] = "0-7" };

    private static EngineHarness Harness() => new(new SimHostFs().WithIrqsAndWorkqueues(Irqs, managed: 30));

    private static string Irq(EngineHarness h, int irq) => h.Fs.ReadText(IrqAffinityStep.ListPath(irq)).Trim();

    private static string Text(EngineHarness h, string path) => h.Fs.ReadText(path).Trim();

    [Fact]
    public void StartedMovesEveryMovableIrqAndTheWorkqueuesOffTheVmsCpusAndReleaseRestoresEveryFile()
    {
        using var h = Harness();
        var before = h.Fs.Snapshot();
        h.Run("a", Fixtures.Rules(cpus: Fixtures.Cpus()), Stage.Started, pins: "4-7");
        Irq(h, 24).ShouldBe("0-3");
        Irq(h, 25).ShouldBe("0", "an IRQ keeps the part of its own affinity that stays on the host");
        Irq(h, 26).ShouldBe("0-3", "an IRQ with nothing left on the host gets the whole host set");
        Irq(h, 30).ShouldBe("0-7", "a managed IRQ refuses (EIO) and is skipped");
        Text(h, IrqAffinityStep.DefaultPath).ShouldBe("f");
        Text(h, WorkqueueMaskStep.GlobalMask).ShouldBe("f");
        Text(h, WorkqueueMaskStep.WritebackMask).ShouldBe("f");
        var irqs = h.Store.Load("a")!.Steps.Single(s => s.Id == IrqAffinityStep.KindName);
        irqs.As<IrqAffinityData>().Refused.ShouldBe([30]);
        irqs.As<IrqAffinityData>().Originals[26].ShouldBe("4-5");
        h.Release("a").ShouldBeEmpty();
        h.Fs.Snapshot().ShouldBe(before);
    }

    [Fact]
    public void EachKindOfFileHasItsOwnJournalRecordWrittenBeforeTheFirstChange()
    {
        using var h = Harness();
        h.Fs.FailWrite = (WorkqueueMaskStep.GlobalMask, "f", Host.Errno.EINVAL);
        Should.Throw<StepFailedException>(() => h.Run("a", Fixtures.Rules(cpus: Fixtures.Cpus()), Stage.Started, pins: "4-7"))
            .Message.ShouldStartWith(WorkqueueMaskStep.KindName);
        // The failed event undid AllowedCPUs and the IRQs: every file as before.
        Irq(h, 24).ShouldBe("0-7");
        Text(h, IrqAffinityStep.DefaultPath).ShouldBe("ff");
        h.Store.Load("a").ShouldBeNull();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TwoDomainsInterleavedInEitherOrderGiveTheIntersectionThenTheOriginals(bool releaseFirstStartedFirst)
    {
        using var h = Harness();
        var before = h.Fs.Snapshot();
        h.Run("a", Fixtures.Rules(cpus: Fixtures.Cpus()), Stage.Started, pins: "6-7");
        Irq(h, 24).ShouldBe("0-5");
        h.Run("b", Fixtures.Rules(cpus: Fixtures.Cpus()), Stage.Started, pins: "4-5");
        Irq(h, 24).ShouldBe("0-3");
        Irq(h, 26).ShouldBe("0-3", "its own 4-5 is gone from the host set: the whole intersection");
        Text(h, IrqAffinityStep.DefaultPath).ShouldBe("f");
        Text(h, WorkqueueMaskStep.GlobalMask).ShouldBe("f");
        var (first, second) = releaseFirstStartedFirst ? ("a", "b") : ("b", "a");
        h.Release(first).ShouldBeEmpty();
        // Widened to what the domain still running allows: b keeps 0-3,6-7 (mask cf), a keeps 0-5 (mask 3f).
        Irq(h, 24).ShouldBe(releaseFirstStartedFirst ? "0-3,6-7" : "0-5");
        Text(h, WorkqueueMaskStep.GlobalMask).ShouldBe(releaseFirstStartedFirst ? "cf" : "3f");
        Text(h, IrqAffinityStep.DefaultPath).ShouldBe(releaseFirstStartedFirst ? "cf" : "3f");
        h.Release(second).ShouldBeEmpty();
        h.Fs.Snapshot().ShouldBe(before);
    }

    [Fact]
    public void IrqsAndWorkqueuesFalseLeaveThoseFilesAlone()
    {
        using var h = Harness();
        var before = h.Fs.Snapshot();
        var rule = Fixtures.Cpus() with { Irqs = false, Workqueues = false };
        h.Plan(Fixtures.Rules(cpus: rule), Fixtures.Domain(pins: "4-7"), Stage.Started).Select(s => s.Id).ShouldBe(["cpuIsolation"]);
        h.Run("a", Fixtures.Rules(cpus: rule), Stage.Started, pins: "4-7");
        h.Fs.Snapshot().ShouldBe(before);
    }

    [Fact]
    public void AnIrqWriteFailingOtherwiseThanEioFailsTheStepAndPutsEveryIrqBack()
    {
        using var h = Harness();
        var before = h.Fs.Snapshot();
        h.Fs.FailWrite = (IrqAffinityStep.ListPath(26), "0-3", Host.Errno.ENOMEM);
        Should.Throw<StepFailedException>(() => h.Run("a", Fixtures.Rules(cpus: Fixtures.Cpus()), Stage.Started, pins: "4-7"))
            .Message.ShouldContain("ENOMEM");
        h.Fs.Snapshot().ShouldBe(before);
        h.Store.Load("a").ShouldBeNull();
    }

    [Fact]
    public void AKernelWithoutTheFilesPlansOnlyAllowedCpus()
    {
        using var h = new EngineHarness();
        h.Plan(Fixtures.Rules(cpus: Fixtures.Cpus()), Fixtures.Domain(pins: "4-7"), Stage.Started).Select(s => s.Id).ShouldBe(["cpuIsolation"]);
    }

    [Fact]
    public void AnIntentRecordLeftByACrashRestoresEveryIrqAndLeavesTheManagedOneAlone()
    {
        using var h = Harness();
        var before = h.Fs.Snapshot();
        // The hook died after journalling the intent and moving IRQ 24 and the default: the record knows nothing of refusals.
        var data = new IrqAffinityData { HostCpus = "0-3", DefaultAffinity = "ff" };
        foreach (var (irq, affinity) in Irqs)
        {
            data.Originals[irq] = affinity;
        }
        var record = TestRecords.Record(IrqAffinityStep.KindName, data, StepStatus.Intent, @event: "started begin");
        h.Fs.WriteText(IrqAffinityStep.ListPath(24), "0-3");
        h.Fs.WriteText(IrqAffinityStep.DefaultPath, "f");
        h.Store.Save(new DomainState { Domain = "a", Steps = [record] });
        h.Release("a").ShouldBeEmpty();
        h.Fs.Snapshot().ShouldBe(before);
    }

    [Fact]
    public void TheDryRunSummarisesTheIrqsAndVerboseListsEach()
    {
        using var h = Harness();
        var steps = h.Plan(Fixtures.Rules(cpus: Fixtures.Cpus()), Fixtures.Domain(pins: "4-7"), Stage.Started);
        var irqs = steps.Single(s => s.Id == IrqAffinityStep.KindName);
        irqs.Actions[0].ShouldBe("write f to /proc/irq/default_smp_affinity (now ff)");
        irqs.Actions[1].ShouldBe("write smp_affinity_list of 4 IRQs (24-26,30): 0-7 → 0-3 ×2, 0 → 0 ×1, 4-5 → 0-3 ×1 (--verbose lists each)");
        irqs.DetailedActions.ShouldContain("write 0-3 to /proc/irq/26/smp_affinity_list (now 4-5)");
        steps.Single(s => s.Id == WorkqueueMaskStep.KindName).Actions
            .ShouldBe([
                "write f to /sys/devices/virtual/workqueue/cpumask (now ff; other isolating domains narrow it further)",
                "write f to /sys/devices/virtual/workqueue/writeback/cpumask (now ff; other isolating domains narrow it further)",
            ]);
        h.Fs.Writes.ShouldBeEmpty();
    }
}
