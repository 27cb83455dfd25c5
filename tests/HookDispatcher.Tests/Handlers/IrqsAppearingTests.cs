using HookDispatcher.Engine;
using HookDispatcher.Handlers.CpuIsolation;
using HookDispatcher.Rules;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Handlers;

/// <summary>
/// IRQs that appear while a VM is isolated (a hot-plugged USB controller, a VF) get the narrowed default mask from
/// the kernel (Documentation/core-api/irq/irq-affinity.rst: default_smp_affinity "is used for all non-active
/// IRQs"); a number freed and handed to another device is a new IRQ too. Each handler directory under
/// /proc/irq/N is named after the device's request_irq() action.
/// </summary>
public sealed class IrqsAppearingTests
{
    private static EngineHarness Harness()
    {
        var fs = new SimHostFs().WithIrqsAndWorkqueues(new Dictionary<int, string> { [24] = "0-7", [25] = "0" });
        Handler(fs, 24, "ahci[0000:00:1f.2]");
        Handler(fs, 25, "eth0");
        return new EngineHarness(fs);
    }

    /// <summary>An IRQ as the kernel adds it: its affinity and one handler directory.</summary>
    private static void Irq(SimHostFs fs, int irq, string affinity, string handler)
    {
        fs.Set(IrqAffinityStep.ListPath(irq), affinity + "\n");
        fs.Set($"/proc/irq/{irq}/smp_affinity", "ff\n");
        Handler(fs, irq, handler);
    }

    private static void Handler(SimHostFs fs, int irq, string name) => fs.Set($"/proc/irq/{irq}/{name}/.dir", "");

    private static string Affinity(EngineHarness h, int irq) => h.Fs.ReadText(IrqAffinityStep.ListPath(irq)).Trim();

    private static readonly RuleSet Isolate = Fixtures.Rules(cpus: Fixtures.Cpus());

    [Fact]
    public void AnIrqThatAppearsWhileIsolatedGetsTheDefaultMaskFoundBeforeAtRelease()
    {
        using var h = Harness();
        h.Run("a", Isolate, Stage.Started, pins: "4-7");
        Irq(h.Fs, 40, "0-3", "xhci_hcd"); // probed with the narrowed default mask (f)
        h.Release("a").ShouldBeEmpty();
        Affinity(h, 40).ShouldBe("0-7");
        Affinity(h, 24).ShouldBe("0-7");
        Affinity(h, 25).ShouldBe("0");
        h.Fs.ReadText(IrqAffinityStep.DefaultPath).Trim().ShouldBe("ff");
    }

    [Fact]
    public void AnIrqNumberReusedByAnotherDeviceIsNotGivenThePreviousDevicesValue()
    {
        using var h = Harness();
        h.Run("a", Isolate, Stage.Started, pins: "4-7");
        // eth0 was unplugged and IRQ 25 went to a new NVMe queue, probed with the narrowed default.
        h.Fs.Unset("/proc/irq/25/eth0/.dir");
        Handler(h.Fs, 25, "nvme1q0");
        h.Fs.Set(IrqAffinityStep.ListPath(25), "0-3\n");
        h.Release("a").ShouldBeEmpty();
        Affinity(h, 25).ShouldBe("0-7", "eth0's own affinity (0) is not the new device's");
    }

    [Fact]
    public void WhileAnotherDomainStillIsolatesANewIrqGetsWhatTheRemainingOnesAllow()
    {
        using var h = Harness();
        h.Run("a", Isolate, Stage.Started, pins: "4-7");
        h.Run("b", Isolate, Stage.Started, pins: "2-3");
        Irq(h.Fs, 40, "0-1", "xhci_hcd");
        h.Release("a").ShouldBeEmpty();
        Affinity(h, 40).ShouldBe("0-1,4-7");
        h.Release("b").ShouldBeEmpty();
        Affinity(h, 40).ShouldBe("0-7");
    }

    [Fact]
    public void ReconnectMovesIrqsThatAppearedSinceTheStartOffTheVmsCpus()
    {
        using var h = Harness();
        h.Run("a", Isolate, Stage.Started, pins: "4-7");
        // A driver that sets its own affinity (or a default mask changed by hand) put a new IRQ on the VM's CPUs.
        Irq(h.Fs, 41, "0-7", "vfio-msix[0](0000:03:00.0)");
        h.Fs.Set(IrqAffinityStep.DefaultPath, "ff\n");
        var findings = h.Executor.Reconcile("a", Fixtures.Log).Where(f => f.Message.Contains("IRQ", StringComparison.Ordinal) || f.Message.Contains("default_smp", StringComparison.Ordinal)).ToList();
        findings.Select(f => f.Kind).ShouldBe([FindingKind.Repaired, FindingKind.Repaired]);
        findings[0].Message.ShouldContain("1 IRQ(s) that appeared since the start (41) moved to CPUs 0-3");
        Affinity(h, 41).ShouldBe("0-3");
        h.Fs.ReadText(IrqAffinityStep.DefaultPath).Trim().ShouldBe("f");
        Affinity(h, 24).ShouldBe("0-3");
        h.Executor.Reconcile("a", Fixtures.Log).ShouldAllBe(f => f.Kind == FindingKind.Ok);
        h.Release("a").ShouldBeEmpty();
        Affinity(h, 41).ShouldBe("0-7");
    }
}
