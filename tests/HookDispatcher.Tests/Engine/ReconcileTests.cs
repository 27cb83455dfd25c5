using HookDispatcher.Engine;
using HookDispatcher.Rules;
using HookDispatcher.Tests.Support;
using HookDispatcher.Values;
using Shouldly;

namespace HookDispatcher.Tests.Engine;

/// <summary>reconnect: what the state says a running VM holds is checked against the host, repaired where safe.</summary>
public sealed class ReconcileTests
{
    private static string Describe(IEnumerable<Finding> findings) => string.Join("; ", findings.Select(f => $"{f.Kind}: {f.Message}"));

    [Fact]
    public void AllowedCpusChangedByHandAreSetBackToWhatEveryIsolatingDomainAllows()
    {
        using var h = new EngineHarness();
        h.Run("a", Fixtures.Rules(cpus: Fixtures.Cpus("0-3")), Stage.Started);
        h.Run("b", Fixtures.Rules(cpus: Fixtures.Cpus("2-5")), Stage.Started);
        h.Systemd.AllowedCpus["system.slice"] = CpuSet.Parse("0-7");
        h.Systemd.AllowedCpus["user.slice"] = null;
        h.Systemd.Calls.Clear();

        var findings = h.Executor.Reconcile("a", Fixtures.Log);
        Describe(findings).ShouldBe(
            "Repaired: AllowedCPUs of system.slice was 0-7, set back to 2-3; Repaired: AllowedCPUs of user.slice was unset, set back to 2-3; Ok: AllowedCPUs of init.scope is 2-3");
        h.Systemd.Calls.ShouldBe(["set system.slice 2-3", "set user.slice 2-3"]);
        h.Executor.Reconcile("a", Fixtures.Log).ShouldAllBe(f => f.Kind == FindingKind.Ok);
    }

    [Fact]
    public void ADeadInhibitorHolderIsStartedAgainAndAListedOneIsLeftAlone()
    {
        using var h = new EngineHarness();
        h.Run("win11", Fixtures.Rules(inhibitor: Fixtures.Inhibitor()), Stage.Prepare);
        h.Executor.Reconcile("win11", Fixtures.Log).Single().Kind.ShouldBe(FindingKind.Ok);

        h.Systemd.Running.Clear(); // the holder was killed, or logind restarted and dropped the lock
        h.Systemd.Calls.Clear();
        var findings = h.Executor.Reconcile("win11", Fixtures.Log);
        Describe(findings).ShouldBe("Repaired: logind no longer listed the 'sleep' inhibitor; hookdispatcher-inhibit-win11.service started again and holds it");
        h.Systemd.ListInhibitors().Single().Why.ShouldBe("libvirt domain win11 is running");
        h.Release("win11").ShouldBeEmpty();
        h.Systemd.Running.ShouldBeEmpty();
    }

    [Fact]
    public void APoolLoweredByHandIsReportedNotTakenFromTheVm()
    {
        using var h = new EngineHarness();
        h.Prepare("a", Fixtures.Hugepages(16));
        h.Executor.Reconcile("a", Fixtures.Log).Single().Kind.ShouldBe(FindingKind.Ok);
        h.Fs.Set(SimHostFs.Nr2M, "10\n");
        h.Fs.Writes.Clear();
        var finding = h.Executor.Reconcile("a", Fixtures.Log).Single();
        finding.Kind.ShouldBe(FindingKind.Problem);
        finding.Message.ShouldContain("holds 10 page(s), fewer than the 16");
        h.Fs.Writes.ShouldBeEmpty();
    }

    [Fact]
    public void TwoDomainsSharingAPoolAreEachCheckedAgainstBothShares()
    {
        using var h = new EngineHarness();
        h.Prepare("a", Fixtures.Hugepages(16));
        h.Prepare("b", Fixtures.Hugepages(8));
        h.Executor.Reconcile("a", Fixtures.Log).Single().Kind.ShouldBe(FindingKind.Ok);
        h.Executor.Reconcile("b", Fixtures.Log).Single().Kind.ShouldBe(FindingKind.Ok);
        // 20 pages cover either share alone, not both: each domain's check counts the other's.
        h.Fs.Set(SimHostFs.Nr2M, "20\n");
        h.Executor.Reconcile("a", Fixtures.Log).Single().Message.ShouldContain("holds 20 page(s), fewer than the 24");
        h.Executor.Reconcile("b", Fixtures.Log).Single().Message.ShouldContain("holds 20 page(s), fewer than the 24");
        h.Release("b").ShouldBeEmpty();
        h.Executor.Reconcile("a", Fixtures.Log).Single().Kind.ShouldBe(FindingKind.Ok);
    }

    [Fact]
    public void FailuresBecomeProblemsAndReconcileNeverThrows()
    {
        using var h = new EngineHarness();
        h.Run("a", Fixtures.Rules(cpus: Fixtures.Cpus("0-3")), Stage.Started);
        h.Systemd.FailOn = "set";
        h.Systemd.AllowedCpus["system.slice"] = null;
        var findings = h.Executor.Reconcile("a", Fixtures.Log);
        findings.Single().Kind.ShouldBe(FindingKind.Problem);
        findings.Single().Message.ShouldContain("injected failure");
        File.WriteAllText(h.Store.PathOf("a"), "{ torn");
        h.Executor.Reconcile("a", Fixtures.Log).Single().Message.ShouldStartWith("could not check:");
        h.Executor.Reconcile("nothing", Fixtures.Log).ShouldBeEmpty();
    }

    [Fact]
    public void AnInterruptedStepIsReportedAsAProblem()
    {
        using var h = new EngineHarness();
        h.Store.Save(new DomainState
        {
            Domain = "a",
            Steps = { TestRecords.Record("hugepages:2048kB", TestRecords.Hugepages2M(16), StepStatus.Intent) },
        });
        h.Executor.Reconcile("a", Fixtures.Log).Single().Message.ShouldBe("hugepages:2048kB was interrupted (prepare begin) and may be partly applied; release undoes it");
    }
}
