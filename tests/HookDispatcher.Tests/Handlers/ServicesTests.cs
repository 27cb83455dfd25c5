using HookDispatcher.Engine;
using HookDispatcher.Handlers.Units;
using HookDispatcher.Rules;
using HookDispatcher.Tests.Rules;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Handlers;

/// <summary>The <c>services</c> section: units stopped while the VM runs, started again at release, shared between domains.</summary>
public sealed class ServicesTests : IDisposable
{
    private readonly EngineHarness _h = new();
    private readonly Executor _executor;

    public ServicesTests() =>
        _executor = new Executor(_h.Fs, _h.Store, [new StopUnitsHandler(_h.Systemd), .. _h.Handlers], TimeSpan.FromSeconds(5));

    public void Dispose() => _h.Dispose();

    private IReadOnlyList<Step> Plan(string json, Stage stage = Stage.Prepare) =>
        new Planner([new StopUnitsHandler(_h.Systemd), .. _h.Handlers]).Plan(new PlanContext(stage, RuleDir.Valid(json), Fixtures.Domain("vm"), _h.Fs));

    private void Prepare(string domain, params string[] units) =>
        _executor.Apply(domain, null, "prepare begin", Plan($$"""{ "services": { "stop": [{{string.Join(", ", units.Select(u => $"\"{u}\""))}}] } }"""),
            undoStaleFirst: true, Fixtures.Log);

    [Fact]
    public void TheSectionIsOneStepAtItsStageBeforeEveryOtherHandlersSteps()
    {
        var steps = Plan("""{ "services": { "stop": ["syncthing@alice.service", "nvidia-persistenced.service"] }, "hugepages": { "count": 1 } }""");
        steps.Select(s => s.Id).ShouldBe(["services.stop", "hugepages:2048kB"]);
        steps[0].Summary.ShouldBe("stop syncthing@alice.service, nvidia-persistenced.service");
        Plan("""{ "services": { "stop": ["a.service"], "at": "started" } }""").ShouldBeEmpty();
        Plan("""{ "services": { "stop": ["a.service"], "at": "started" } }""", Stage.Started).Select(s => s.Id).ShouldBe(["services.stop"]);
    }

    [Fact]
    public void AnActiveUnitIsStoppedAndStartedAgainWhileOneThatWasNotRunningStaysStopped()
    {
        _h.Systemd.Running["syncthing@alice.service"] = [];
        Prepare("vm", "syncthing@alice.service", "plex.service");
        _h.Systemd.Calls.ShouldBe(["stop syncthing@alice.service"]);
        _h.Store.Load("vm")!.Steps.Single().As<StopUnitsData>().WereActive.ShouldBe(["syncthing@alice.service"]);
        _h.Systemd.Calls.Clear();
        _executor.Release("vm", Fixtures.Log).ShouldBeEmpty();
        _h.Systemd.Calls.ShouldBe(["start syncthing@alice.service"]);
        _h.Systemd.Running.Keys.ShouldBe(["syncthing@alice.service"]);
        _h.Store.Load("vm").ShouldBeNull();
    }

    [Theory]
    [InlineData("a", "b")]
    [InlineData("b", "a")]
    public void TwoDomainsAskingOneUnitStoppedKeepItStoppedUntilTheLastIsReleasedWhicheverGoesFirst(string first, string second)
    {
        _h.Systemd.Running["miner.service"] = [];
        Prepare("a", "miner.service");
        Prepare("b", "miner.service", "other.service");
        _h.Systemd.Calls.ShouldBe(["stop miner.service"]);
        _h.Store.Load("b")!.Steps.Single().As<StopUnitsData>().WereActive.ShouldBe(["miner.service"], "b owes it a start: a found it active");

        _executor.Release(first, Fixtures.Log).ShouldBeEmpty();
        _h.Systemd.Running.ShouldNotContainKey("miner.service");
        _executor.Release(second, Fixtures.Log).ShouldBeEmpty();
        _h.Systemd.Running.Keys.ShouldBe(["miner.service"]);
        _h.Systemd.Calls.Count(c => c == "start miner.service").ShouldBe(1);
    }

    private void MinerHeldByAAndBSyncByA()
    {
        _h.Systemd.Running["miner.service"] = [];
        _h.Systemd.Running["sync.service"] = [];
        Prepare("a", "miner.service", "sync.service");
        Prepare("b", "miner.service");
    }

    [Fact]
    public void TwoDomainsReleasedAtOnceStartTheUnitTheyBothHeldStoppedOnce()
    {
        MinerHeldByAAndBSyncByA();
        _h.Systemd.Calls.Clear();

        AtOnce.AfterHeldHostLock(_h.Store, () => _executor.Release("a", Fixtures.Log), () => _executor.Release("b", Fixtures.Log))
            .ShouldAllBe(failures => failures.Count == 0);

        _h.Systemd.Running.ShouldContainKey("miner.service", "each decided from a ledger still listing the other would leave miner stopped");
        _h.Systemd.Running.Keys.Order().ShouldBe(["miner.service", "sync.service"]);
        _h.Systemd.Calls.Count(c => c == "start miner.service").ShouldBe(1);
        _h.Store.Load("a").ShouldBeNull();
        _h.Store.Load("b").ShouldBeNull();
    }

    /// <summary>
    /// b asks a unit stopped while a's release is starting it: b waits for that start to finish and then stops it
    /// itself (owing it a start). Without the wait b counted on a's "held stopped" record, did not stop the unit, and
    /// a started it under b's running VM.
    /// </summary>
    [Fact]
    public async Task APrepareWaitsForAnotherDomainStartingTheUnitAtReleaseAndThenStopsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        _h.Systemd.Running["miner.service"] = [];
        Prepare("a", "miner.service");
        using var starting = new ManualResetEventSlim();
        using var go = new ManualResetEventSlim();
        _h.Systemd.OnStartUnit = unit =>
        {
            starting.Set();
            go.Wait(TimeSpan.FromSeconds(10), ct).ShouldBeTrue();
        };
        var release = Task.Run(() => _executor.Release("a", Fixtures.Log), ct);
        starting.Wait(TimeSpan.FromSeconds(10), ct).ShouldBeTrue("a's release reached its start job");
        var prepare = Task.Run(() => Prepare("b", "miner.service"), ct);
        await Task.Delay(300, ct);
        prepare.IsCompleted.ShouldBeFalse("b waits while a is still giving the unit back");
        go.Set();
        (await release.WaitAsync(TimeSpan.FromSeconds(10), ct)).ShouldBeEmpty();
        await prepare.WaitAsync(TimeSpan.FromSeconds(10), ct);

        _h.Systemd.Running.ShouldNotContainKey("miner.service", "b's VM runs with the unit stopped");
        StopUnitsRecord.WereActive(_h.Store.Load("b")!.Steps.Single()).ShouldBe(["miner.service"]);
        _h.Systemd.OnStartUnit = null;
        _executor.Release("b", Fixtures.Log).ShouldBeEmpty();
        _h.Systemd.Running.ShouldContainKey("miner.service");
    }

    [Fact]
    public void AReleaseMarkLeftByAHookThatWasKilledIsNotWaitedFor()
    {
        _h.Systemd.Running["miner.service"] = [];
        Prepare("a", "miner.service");
        // As a release killed after its decision leaves it: the record marked by a process that is gone.
        var state = _h.Store.Load("a")!;
        state.Steps.Single().Releasing = int.MaxValue;
        _h.Store.Save(state);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Prepare("b", "miner.service");
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(4), "the 5 s lock timeout was not waited out");
        _executor.Release("a", Fixtures.Log).ShouldBeEmpty();
        _h.Systemd.Running.ShouldNotContainKey("miner.service", "b still holds it stopped");
    }

    [Fact]
    public void AnUndoThatFailsIsNoLongerMarkedAsBeingGivenBack()
    {
        _h.Systemd.Running["miner.service"] = [];
        Prepare("a", "miner.service");
        _h.Systemd.FailOn = "start miner.service";
        _executor.Release("a", Fixtures.Log).ShouldHaveSingleItem();
        DomainRun.IsReleasing(_h.Store.Load("a")!.Steps.Single()).ShouldBeFalse("another domain's prepare would wait for it for nothing");
    }

    [Fact]
    public void AReleaseNarrowsItsRecordToTheUnitsItStartsBeforeStartingThem()
    {
        MinerHeldByAAndBSyncByA();
        _h.Systemd.FailOn = "start sync.service";
        _executor.Release("a", Fixtures.Log).ShouldHaveSingleItem().ShouldContain("sync.service");
        // Kept for a retry, it no longer holds miner: b, still running, starts that one.
        var kept = _h.Store.Load("a")!.Steps.Single();
        StopUnitsRecord.Units(kept).ShouldBe(["sync.service"]);
        StopUnitsRecord.WereActive(kept).ShouldBe(["sync.service"]);
        _h.Systemd.FailOn = null;
        _executor.Release("b", Fixtures.Log).ShouldBeEmpty();
        _h.Systemd.Running.ShouldContainKey("miner.service");
        _executor.Release("a", Fixtures.Log).ShouldBeEmpty();
        _h.Systemd.Running.Keys.Order().ShouldBe(["miner.service", "sync.service"]);
    }

    [Fact]
    public void TheGpuHandoversStopUnitsAndTheServicesSectionShareOneUnit()
    {
        _h.Systemd.Running["display-manager.service"] = [];
        _executor.Apply("a", null, "prepare begin", [new StopUnitsStep(_h.Systemd, "gpu.stopUnits", ["display-manager.service"])], undoStaleFirst: true, Fixtures.Log);
        Prepare("b", "display-manager.service");
        _executor.Release("a", Fixtures.Log).ShouldBeEmpty();
        _h.Systemd.Running.ShouldBeEmpty();
        _executor.Release("b", Fixtures.Log).ShouldBeEmpty();
        _h.Systemd.Running.Keys.ShouldBe(["display-manager.service"]);
    }

    [Fact]
    public void AUnitThatFailsToStopFailsTheEventNamingItAndStartsAgainWhatWasStopped()
    {
        _h.Systemd.Running["a.service"] = [];
        _h.Systemd.Running["b.service"] = [];
        _h.Systemd.FailOn = "stop b.service";
        var e = Should.Throw<StepFailedException>(() => Prepare("vm", "a.service", "b.service"));
        e.Message.ShouldContain("services.stop");
        e.Message.ShouldContain("b.service");
        e.Message.ShouldNotContain("\n");
        _h.Systemd.Calls.ShouldBe(["stop a.service", "stop b.service", "start a.service"]);
        _h.Systemd.Running.Keys.Order().ShouldBe(["a.service", "b.service"]);
        _h.Store.Load("vm").ShouldBeNull();
    }

    [Fact]
    public void ReleaseDescribesTheStartsItWouldMake()
    {
        _h.Systemd.Running["a.service"] = [];
        Prepare("vm", "a.service", "b.service");
        new StopUnitsHandler(_h.Systemd).DescribeUndo(_h.Store.Load("vm")!.Steps.Single())
            .ShouldBe(["StartUnit(a.service) unless another running domain holds it stopped"]);
    }

    [Theory]
    [InlineData("""{ "services": { "stop": [] } }""", "$.services", "no service to stop")]
    [InlineData("""{ "services": {} }""", "$.services", "no service to stop")]
    [InlineData("""{ "services": { "stop": ["syncthing"] } }""", "$.services.stop[0]", "expected a systemd unit name like \"display-manager.service\", got \"syncthing\"")]
    [InlineData("""{ "services": { "stop": ["a.service", "a.service"] } }""", "$.services", "names a unit twice")]
    [InlineData("""{ "services": { "stop": ["a.service"], "at": "later" } }""", "$.services.at", "got \"later\"")]
    [InlineData("""{ "services": { "stop": ["a.service"], "start": ["b.service"] } }""", "$.services.start", "unknown key \"start\"")]
    public void BadServicesRulesAreRefusedNamingPathAndValue(string json, string path, string message)
    {
        var error = RuleDir.SingleError(json);
        error.Path.ShouldBe(path);
        error.Message.ShouldContain(message);
    }
}
