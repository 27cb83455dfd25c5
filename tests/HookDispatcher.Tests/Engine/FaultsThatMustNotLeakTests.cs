using HookDispatcher.Engine;
using HookDispatcher.Handlers.CpuIsolation;
using HookDispatcher.Handlers.Hugepages;
using HookDispatcher.Rules;
using HookDispatcher.Tests.Support;
using HookDispatcher.Values;
using Shouldly;

namespace HookDispatcher.Tests.Engine;

/// <summary>Faults that used to give back what another holder (or the user) had, or lose what a crash left.</summary>
public sealed class FaultsThatMustNotLeakTests
{
    private static readonly RuleSet Isolation = Fixtures.Rules(cpus: Fixtures.Cpus("0-1"));

    [Fact]
    public void AShortHugepageGrantIsGivenBackOnceSoPagesRaisedByHandStay()
    {
        var fs = new SimHostFs(grantable: 35);
        using var h = new EngineHarness(fs);
        h.Prepare("a", Fixtures.Hugepages(10));
        fs.WriteText(SimHostFs.Nr2M, "30"); // the user raised the pool by hand
        // b asks for 50 and gets 5: the step gives those back, and the undo of its record must not lower the pool
        // again by up to 50 (it used to end at a's 10).
        var short_ = Should.Throw<StepFailedException>(() => h.Prepare("b", Fixtures.Hugepages(50, attempts: 1)));
        short_.Message.ShouldContain("got 5 of 50");
        fs.Pages.ShouldBe(30);
        File.Exists(h.Store.PathOf("b")).ShouldBeFalse();
        h.Release("a").ShouldBeEmpty();
        fs.Pages.ShouldBe(20);
    }

    [Fact]
    public void AnIntentLeftByACrashBeforeTheKernelWriteGivesBackNothing()
    {
        var fs = new SimHostFs();
        using var h = new EngineHarness(fs);
        h.Prepare("a", Fixtures.Hugepages(10));
        fs.WriteText(SimHostFs.Nr2M, "30");
        // b journalled its intent with the pool at 30 and was killed before writing nr_hugepages.
        var record = TestRecords.Record("hugepages:2048kB", TestRecords.Hugepages2M(50, start: 30), StepStatus.Intent, seq: 2);
        h.Store.Save(new DomainState { Domain = "b", Steps = [record] });

        h.Release("b").ShouldBeEmpty();
        fs.Pages.ShouldBe(30);
        h.Release("a").ShouldBeEmpty();
        fs.Pages.ShouldBe(20);
    }

    [Fact]
    public void ReapplyingAStepWhoseEarlierTryWasInterruptedUndoesTheStaleRecordThenRetakesIt()
    {
        using var h = new EngineHarness();
        h.Fs.WriteText("/sys/devices/system/cpu/online", "0-3");
        // A crash after 'started' journalled its intent and narrowed the units: the record holds the true originals.
        var data = new CpuIsolationData { Units = ["system.slice", "user.slice", "init.scope"], HostCpus = "0-1" };
        var stale = TestRecords.Record("cpuIsolation", data, StepStatus.Intent, seq: 1, @event: "started begin");
        foreach (var unit in Isolation.CpuIsolation!.Units)
        {
            data.Originals[unit] = "";
            h.Systemd.AllowedCpus[unit] = CpuSet.Parse("0-1");
        }
        h.Store.Save(new DomainState { Domain = "vm", Steps = [stale] });

        h.Run("vm", Isolation, Stage.Started);
        // Taken again with the originals found before the crash, not the narrowed values it left.
        var retaken = h.Store.Load("vm")!.Steps.Single();
        retaken.Status.ShouldBe(StepStatus.Done);
        retaken.As<CpuIsolationData>().Originals["system.slice"].ShouldBe("");
        h.Systemd.AllowedCpus["system.slice"].ShouldBe(CpuSet.Parse("0-1"));
        h.Release("vm").ShouldBeEmpty();
        h.Systemd.AllowedCpus["system.slice"].ShouldBeNull();
    }

    [Fact]
    public void AStepAlreadyAppliedIsNeitherUndoneNorTakenAgain()
    {
        using var h = new EngineHarness();
        h.Fs.WriteText("/sys/devices/system/cpu/online", "0-3");
        h.Run("vm", Isolation, Stage.Started);
        var calls = h.Systemd.Calls.Count;
        var before = File.ReadAllText(h.Store.PathOf("vm"));

        h.Run("vm", Isolation, Stage.Started);
        h.Systemd.Calls.Count.ShouldBe(calls);
        File.ReadAllText(h.Store.PathOf("vm")).ShouldBe(before);
        h.Release("vm").ShouldBeEmpty();
        h.Systemd.AllowedCpus["system.slice"].ShouldBeNull();
    }
}
