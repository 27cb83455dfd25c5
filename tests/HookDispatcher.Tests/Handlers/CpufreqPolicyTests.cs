using HookDispatcher.Engine;
using HookDispatcher.Handlers.CpuGovernor;
using HookDispatcher.Rules;
using HookDispatcher.Tests.Support;
using HookDispatcher.Values;
using Shouldly;

namespace HookDispatcher.Tests.Handlers;

/// <summary>
/// A laptop whose CPUs share cpufreq policies (acpi-cpufreq with hardware coordination, or a big.LITTLE cluster:
/// policy0 for CPUs 0-3, policy4 for CPUs 4-7), laid out as the kernel does (<see cref="SimKernelFiles.WithCpufreqPolicies"/>).
/// Writing CPU 2's governor sets CPU 3's: the values are the policy's, recorded and restored once per policy.
/// </summary>
public sealed class CpufreqPolicyTests
{
    private static EngineHarness Laptop(string? epp = null) => new(new SimHostFs().WithCpufreqPolicies(new Dictionary<int, (int[], string)>
    {
        [0] = ([0, 1, 2, 3], "powersave"),
        [4] = ([4, 5, 6, 7], "schedutil"),
    }, epp: epp));

    private static RuleSet Performance(string cpus, string? epp = null) =>
        Fixtures.Rules(governor: new CpuGovernorRule("performance", CpuSet.Parse(cpus), epp, Stage.Prepare));

    private static string Policy(EngineHarness h, int first, string file = "scaling_governor") =>
        h.Fs.ReadText($"{Cpufreq.PoliciesDir}/policy{first}/{file}").Trim();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void APolicySharedByTwoVmsStaysTunedUntilTheLastStopsThenGetsItsOwnOriginalBack(bool firstStopsFirst)
    {
        using var h = Laptop();
        var before = h.Fs.Snapshot();
        h.Run("a", Performance("2"), Stage.Prepare);
        h.Run("b", Performance("3"), Stage.Prepare);
        // b found policy0 tuned by a: what it records as the original is the one a found, not a's "performance".
        h.Store.Load("b")!.Steps.Single().As<CpuGovernorData>().OriginalGovernors["policy0"].ShouldBe("powersave");
        h.Release(firstStopsFirst ? "a" : "b").ShouldBeEmpty();
        Policy(h, 0).ShouldBe("performance", "the other VM still runs on policy0");
        h.Release(firstStopsFirst ? "b" : "a").ShouldBeEmpty();
        Policy(h, 0).ShouldBe("powersave");
        h.Fs.Snapshot().ShouldBe(before);
    }

    [Fact]
    public void CpusOfOnePolicyAreOneWriteAndEachPolicyIsRecordedOnce()
    {
        using var h = Laptop(epp: "balance_power");
        var step = h.Plan(Performance("2-5", epp: "performance"), Fixtures.Domain()).Single();
        step.Actions.ShouldContain("write performance to /sys/devices/system/cpu/cpufreq/policy0/scaling_governor (policy0, shared by CPUs 2-3 of this domain and any others in it; now powersave)");
        h.Fs.Writes.Clear();
        h.Run("a", Performance("2-5", epp: "performance"), Stage.Prepare);
        h.Fs.Writes.Select(w => w.Path.Replace(Cpufreq.PoliciesDir + "/", "", StringComparison.Ordinal)).ShouldBe(
            ["policy0/scaling_governor", "policy0/energy_performance_preference", "policy4/scaling_governor", "policy4/energy_performance_preference"]);
        var record = h.Store.Load("a")!.Steps.Single();
        record.As<CpuGovernorData>().OriginalGovernors.Keys.Order(StringComparer.Ordinal).ShouldBe(["policy0", "policy4"]);
        record.As<CpuGovernorData>().OriginalEpps.Keys.Order(StringComparer.Ordinal).ShouldBe(["policy0", "policy4"]);
        h.Fs.Writes.Clear();
        h.Release("a").ShouldBeEmpty();
        // The governor before the preference, per policy (intel_pstate refuses the preference under performance).
        h.Fs.Writes.Select(w => w.Path.Replace(Cpufreq.PoliciesDir + "/", "", StringComparison.Ordinal) + "=" + w.Value).ShouldBe(
            ["policy0/scaling_governor=powersave", "policy0/energy_performance_preference=balance_power", "policy4/scaling_governor=schedutil", "policy4/energy_performance_preference=balance_power"]);
    }

    [Fact]
    public void ARecordWrittenPerCpuBeforePoliciesStillCountsAsAHolderOfItsCpusPolicy()
    {
        using var h = Laptop();
        h.Run("a", Performance("2"), Stage.Prepare);
        // What the release before per-policy records wrote for CPU 3 ("governor.3"), already holding policy0.
        File.WriteAllText(h.Store.PathOf("old"), """
            { "version": 1, "domain": "old", "steps": [ { "id": "cpuGovernor", "kind": "cpuGovernor", "event": "prepare begin", "status": "Done",
              "data": { "governor": "performance", "epp": "", "cpus": "3", "governor.3": "powersave" } } ] }
            """);
        h.Release("a").ShouldBeEmpty();
        Policy(h, 0).ShouldBe("performance", "the old record's CPU 3 is in policy0");
        h.Release("old").ShouldBeEmpty();
        Policy(h, 0).ShouldBe("powersave");
    }
}
