using HookDispatcher.Engine;
using HookDispatcher.Rules;
using HookDispatcher.Tests.Support;
using HookDispatcher.Values;
using Shouldly;

namespace HookDispatcher.Tests.Handlers;

public sealed class CpuIsolationHandlerTests
{
    private static readonly string[] Units = ["system.slice", "user.slice", "init.scope"];

    private static void ShouldAllBe(FakeSystemd systemd, string? cpus)
    {
        foreach (var unit in Units)
        {
            systemd.AllowedCpus[unit]?.ToString().ShouldBe(cpus, unit);
        }
    }

    [Fact]
    public void AutoKeepsTheOnlineCpusTheDomainDoesNotPinAndReleaseRestoresUnset()
    {
        using var h = new EngineHarness();
        h.Run("a", Fixtures.Rules(cpus: Fixtures.Cpus()), Stage.Started, pins: "2-5");
        ShouldAllBe(h.Systemd, "0-1,6-7");
        h.Release("a").ShouldBeEmpty();
        h.Systemd.AllowedCpus.Values.ShouldAllBe(v => v == null);
    }

    [Fact]
    public void NothingHappensAtPrepareWhenTheSectionActsAtStarted()
    {
        using var h = new EngineHarness();
        h.Run("a", Fixtures.Rules(cpus: Fixtures.Cpus()), Stage.Prepare, pins: "2-5");
        h.Systemd.Calls.ShouldBeEmpty();
    }

    [Fact]
    public void TwoDomainsWithDisjointPinsLeaveTheHostOnlyTheCpusNeitherUsesAndStoppingOneWidensItAgain()
    {
        using var h = new EngineHarness();
        h.Systemd.AllowedCpus["system.slice"] = CpuSet.Parse("0-7");
        h.Run("a", Fixtures.Rules(cpus: Fixtures.Cpus()), Stage.Started, pins: "2-3");
        h.Run("b", Fixtures.Rules(cpus: Fixtures.Cpus()), Stage.Started, pins: "4-5");
        ShouldAllBe(h.Systemd, "0-1,6-7");
        h.Release("a").ShouldBeEmpty();
        ShouldAllBe(h.Systemd, "0-3,6-7");
        h.Release("b").ShouldBeEmpty();
        h.Systemd.AllowedCpus["system.slice"]!.ToString().ShouldBe("0-7");
        h.Systemd.AllowedCpus["user.slice"].ShouldBeNull();
    }

    [Fact]
    public void ReleasingInTheOrderTheyStartedAlsoRestoresTheOriginals()
    {
        using var h = new EngineHarness();
        h.Systemd.AllowedCpus["user.slice"] = CpuSet.Parse("0-5");
        h.Run("a", Fixtures.Rules(cpus: Fixtures.Cpus()), Stage.Started, pins: "2-3");
        h.Run("b", Fixtures.Rules(cpus: Fixtures.Cpus()), Stage.Started, pins: "4-5");
        h.Release("b").ShouldBeEmpty();
        ShouldAllBe(h.Systemd, "0-1,4-7");
        h.Release("a").ShouldBeEmpty();
        h.Systemd.AllowedCpus["user.slice"]!.ToString().ShouldBe("0-5");
    }

    [Fact]
    public void AnExplicitHostSetIsUsedAsGiven()
    {
        using var h = new EngineHarness();
        h.Run("a", Fixtures.Rules(cpus: Fixtures.Cpus("0,4")), Stage.Started);
        ShouldAllBe(h.Systemd, "0,4");
    }

    [Theory]
    [InlineData("", null, "neither pins its CPUs (<cputune><vcpupin>) nor restricts them (<vcpu cpuset>)")]
    [InlineData("0-7", null, "the host would keep no CPU")]
    [InlineData("", "8-9", "not online")]
    public void ImpossibleHostSetsAreRefusedBeforeAnythingIsTouched(string pins, string? hostCpus, string message)
    {
        using var h = new EngineHarness();
        Should.Throw<PlanException>(() => h.Run("a", Fixtures.Rules(cpus: Fixtures.Cpus(hostCpus)), Stage.Started, pins))
            .Message.ShouldContain(message);
        h.Systemd.Calls.ShouldBeEmpty();
    }

    [Fact]
    public void TwoDomainsThatTogetherLeaveNoCpuFailTheSecondAndKeepTheFirst()
    {
        using var h = new EngineHarness();
        h.Run("a", Fixtures.Rules(cpus: Fixtures.Cpus("0-3")), Stage.Started);
        Should.Throw<StepFailedException>(() => h.Run("b", Fixtures.Rules(cpus: Fixtures.Cpus("4-7")), Stage.Started))
            .Message.ShouldContain("no CPU is left for the host");
        ShouldAllBe(h.Systemd, "0-3");
        h.Store.Load("b").ShouldBeNull();
    }

    [Fact]
    public void AFailureOnTheSecondUnitPutsTheFirstBack()
    {
        using var h = new EngineHarness();
        h.Systemd.FailOn = "set user.slice 0-1";
        Should.Throw<StepFailedException>(() => h.Run("a", Fixtures.Rules(cpus: Fixtures.Cpus("0-1")), Stage.Started));
        h.Systemd.FailOn = null;
        h.Systemd.AllowedCpus.Values.ShouldAllBe(v => v == null);
        h.Store.Load("a").ShouldBeNull();
    }

    [Fact]
    public void TheDryRunNamesTheUnitsTheCpusAndTheMaskBytes()
    {
        using var h = new EngineHarness();
        var step = h.Plan(Fixtures.Rules(cpus: Fixtures.Cpus()), Fixtures.Domain(pins: "4-7"), Stage.Started).Single();
        step.Summary.ShouldBe("confine system.slice, user.slice, init.scope to CPUs 0-3");
        step.Actions[0].ShouldBe("SetUnitProperties(system.slice, runtime=true, AllowedCPUs=0-3 [ay 0F]) (now: unset; other isolating domains narrow it further)");
        h.Systemd.Calls.ShouldBeEmpty();
    }
}
