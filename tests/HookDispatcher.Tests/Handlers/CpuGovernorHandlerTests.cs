using HookDispatcher.Engine;
using HookDispatcher.Handlers.CpuGovernor;
using HookDispatcher.Rules;
using HookDispatcher.Tests.Support;
using HookDispatcher.Values;
using Shouldly;

namespace HookDispatcher.Tests.Handlers;

/// <summary>cpuGovernor against a simulated cpufreq tree (the developers' and test VMs have no cpufreq).</summary>
public sealed class CpuGovernorHandlerTests
{
    private static readonly Dictionary<int, string> Governors = new() { [0] = "powersave", [1] = "powersave", [2] = "schedutil", [3] = "powersave" };

    private static EngineHarness Harness(string? epp = null) =>
        new(new SimHostFs().WithCpufreq(Governors, "performance powersave schedutil", epp));

    private static CpuGovernorRule Rule(string? cpus = null, string governor = "performance", string? epp = null) =>
        new(governor, cpus is null ? null : CpuSet.Parse(cpus), epp, Stage.Prepare);

    private static string Governor(EngineHarness h, int cpu) => h.Fs.ReadText(Cpufreq.Governor(cpu)).Trim();

    [Fact]
    public void AutoTakesTheCpusTheVcpusArePinnedToRecordsAndSetsTheirGovernorAndReleaseRestoresEachCpusOwn()
    {
        using var h = Harness();
        var before = h.Fs.Snapshot();
        h.Run("a", Fixtures.Rules(governor: Rule()), Stage.Prepare, pins: "1-2");
        Governor(h, 0).ShouldBe("powersave");
        Governor(h, 1).ShouldBe("performance");
        Governor(h, 2).ShouldBe("performance");
        var record = h.Store.Load("a")!.Steps.Single();
        record.As<CpuGovernorData>().OriginalGovernors["cpu1"].ShouldBe("powersave");
        record.As<CpuGovernorData>().OriginalGovernors["cpu2"].ShouldBe("schedutil");
        h.Release("a").ShouldBeEmpty();
        Governor(h, 2).ShouldBe("schedutil", "each CPU gets its own previous governor back, not a fixed one");
        h.Fs.Snapshot().ShouldBe(before);
    }

    [Fact]
    public void EppIsSetAfterTheGovernorAndRestoredWhereTheFileExists()
    {
        using var h = Harness(epp: "balance_performance");
        var before = h.Fs.Snapshot();
        h.Run("a", Fixtures.Rules(governor: Rule("3", epp: "performance")), Stage.Prepare);
        h.Fs.ReadText(Cpufreq.Epp(3)).Trim().ShouldBe("performance");
        h.Fs.Writes.Select(w => w.Path).ShouldBe([Cpufreq.Governor(3), Cpufreq.Epp(3)]);
        // intel_pstate refuses an EPP other than "performance" (EBUSY) while the governor is performance: release
        // must put the governor back first, then the preference.
        h.Fs.Writes.Clear();
        h.Release("a").ShouldBeEmpty();
        h.Fs.Writes.ShouldBe([(Cpufreq.Governor(3), "powersave"), (Cpufreq.Epp(3), "balance_performance")]);
        h.Fs.Snapshot().ShouldBe(before);
    }

    [Fact]
    public void EppIsLeftAloneWhereTheDriverHasNoPreferenceFile()
    {
        using var h = Harness();
        var step = h.Plan(Fixtures.Rules(governor: Rule("3", epp: "performance")), Fixtures.Domain()).Single();
        step.Actions.ShouldContain(a => a.Contains("epp left alone", StringComparison.Ordinal));
        h.Run("a", Fixtures.Rules(governor: Rule("3", epp: "performance")), Stage.Prepare);
        h.Fs.Writes.Select(w => w.Path).ShouldBe([Cpufreq.Governor(3)]);
    }

    [Theory]
    [InlineData("0", "ondemand", null, "governor \"ondemand\" is not available on CPU 0 (scaling_available_governors: performance powersave schedutil)")]
    [InlineData("3-4", "performance", null, "CPU 4 has no cpufreq (/sys/devices/system/cpu/cpu4/cpufreq/scaling_governor does not exist): its governor cannot be set")]
    [InlineData(null, "performance", null, "cpus is \"auto\" but the domain XML pins no vCPUs (<cputune><vcpupin>); pin the vCPUs or give cpus")]
    public void PlanningRefusesWithOneLineNamingTheCpu(string? cpus, string governor, string? epp, string message)
    {
        using var h = Harness();
        var e = Should.Throw<PlanException>(() => h.Run("a", Fixtures.Rules(governor: Rule(cpus, governor, epp)), Stage.Prepare));
        e.Message.ShouldBe("cpuGovernor: " + message);
        h.Fs.Writes.ShouldBeEmpty();
    }

    [Fact]
    public void AnUnknownEppIsRefusedWhereTheDriverListsItsPreferences()
    {
        using var h = Harness(epp: "balance_performance");
        Should.Throw<PlanException>(() => h.Run("a", Fixtures.Rules(governor: Rule("1", epp: "turbo")), Stage.Prepare))
            .Message.ShouldContain("epp \"turbo\" is not available on CPU 1");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ACpuTwoDomainsShareKeepsTheTunedValueUntilTheLastStopsThenGetsItsOwnBack(bool releaseFirstStartedFirst)
    {
        using var h = Harness();
        var before = h.Fs.Snapshot();
        h.Run("a", Fixtures.Rules(governor: Rule("1-2")), Stage.Prepare);
        h.Run("b", Fixtures.Rules(governor: Rule("2-3", governor: "schedutil")), Stage.Prepare);
        Governor(h, 2).ShouldBe("schedutil");
        var (first, second) = releaseFirstStartedFirst ? ("a", "b") : ("b", "a");
        h.Release(first).ShouldBeEmpty();
        Governor(h, 2).ShouldBe(releaseFirstStartedFirst ? "schedutil" : "performance", "the CPU the other domain still uses keeps its tuned value");
        Governor(h, releaseFirstStartedFirst ? 1 : 3).ShouldBe("powersave", "a CPU no other domain uses gets its own value back");
        Governor(h, releaseFirstStartedFirst ? 3 : 1).ShouldBe(releaseFirstStartedFirst ? "schedutil" : "performance");
        h.Release(second).ShouldBeEmpty();
        Governor(h, 2).ShouldBe("schedutil", "the value found before the first domain, not the tuned one of the first");
        h.Fs.Snapshot().ShouldBe(before);
    }

    [Fact]
    public void AFailedWriteOnTheSecondCpuPutsTheFirstBack()
    {
        using var h = Harness();
        var before = h.Fs.Snapshot();
        h.Fs.FailWrite = (Cpufreq.Governor(2), "performance", Host.Errno.EBUSY);
        Should.Throw<StepFailedException>(() => h.Run("a", Fixtures.Rules(governor: Rule("1-2")), Stage.Prepare))
            .Message.ShouldContain("EBUSY");
        h.Fs.Snapshot().ShouldBe(before);
        h.Store.Load("a").ShouldBeNull();
    }

    [Fact]
    public void TheDryRunShowsEachFileWithItsCurrentAndNewValue()
    {
        using var h = Harness();
        var step = h.Plan(Fixtures.Rules(governor: Rule("0,2")), Fixtures.Domain()).Single();
        step.Actions.Take(2).ShouldBe([
            "write performance to /sys/devices/system/cpu/cpu0/cpufreq/scaling_governor (now powersave)",
            "write performance to /sys/devices/system/cpu/cpu2/cpufreq/scaling_governor (now schedutil)",
        ]);
        h.Fs.Writes.ShouldBeEmpty();
    }
}
