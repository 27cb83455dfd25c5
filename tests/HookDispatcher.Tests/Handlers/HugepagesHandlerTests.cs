using HookDispatcher.Engine;
using HookDispatcher.Handlers.Hugepages;
using HookDispatcher.Rules;
using HookDispatcher.Tests.Support;
using HookDispatcher.Values;
using Shouldly;

namespace HookDispatcher.Tests.Handlers;

public sealed class HugepagesHandlerTests
{
    private const string Compact = "/proc/sys/vm/compact_memory";
    private const string Drop = "/proc/sys/vm/drop_caches";

    [Fact]
    public void PrepareRaisesThePoolByExactlyTheDomainsNeedOnTopOfWhatItHeld()
    {
        using var h = new EngineHarness();
        h.Fs.Set(SimHostFs.Nr2M, "10\n");
        h.Prepare("a", Fixtures.Hugepages(16));
        h.Fs.Pages.ShouldBe(26);
        h.Executor.Release("a", Fixtures.Log).ShouldBeEmpty();
        h.Fs.Pages.ShouldBe(10);
        File.Exists(h.Store.PathOf("a")).ShouldBeFalse();
    }

    [Fact]
    public void InterleavedDomainsNeverTakeEachOthersPages()
    {
        using var h = new EngineHarness();
        h.Prepare("a", Fixtures.Hugepages(16));
        h.Prepare("b", Fixtures.Hugepages(8));
        h.Fs.Pages.ShouldBe(24);
        h.Executor.Release("a", Fixtures.Log).ShouldBeEmpty();
        h.Fs.Pages.ShouldBe(8);
        h.Executor.Release("b", Fixtures.Log).ShouldBeEmpty();
        h.Fs.Pages.ShouldBe(0);
    }

    [Fact]
    public void ShortGrantCompactsFirstThenDropsCachesAndRetries()
    {
        using var h = new EngineHarness(new SimHostFs(grantable: 4) { CompactGain = 4, DropGain = 100 });
        h.Prepare("a", Fixtures.Hugepages(16));
        h.Fs.Pages.ShouldBe(16);
        h.Fs.Writes.Select(w => w.Path).ShouldBe([SimHostFs.Nr2M, Compact, SimHostFs.Nr2M, Drop, SimHostFs.Nr2M]);
    }

    [Fact]
    public void IfShortDoesNotTouchCachesWhenTheKernelGrantsEverything()
    {
        using var h = new EngineHarness();
        h.Prepare("a", Fixtures.Hugepages(16));
        h.Fs.Writes.ShouldBe([(SimHostFs.Nr2M, "16")]);
    }

    [Fact]
    public void AlwaysFollowsTheSeedRecipeBeforeTheFirstAttempt()
    {
        using var h = new EngineHarness();
        h.Prepare("a", Fixtures.Hugepages(16, drop: Escalation.Always, compact: Escalation.Always));
        h.Fs.Writes.ShouldBe([(Drop, "3"), (Compact, "1"), (SimHostFs.Nr2M, "16")]);
    }

    [Fact]
    public void NeverRetriesWithoutDroppingOrCompacting()
    {
        using var h = new EngineHarness(new SimHostFs(grantable: 4));
        Should.Throw<StepFailedException>(() => h.Prepare("a", Fixtures.Hugepages(16, drop: Escalation.Never, compact: Escalation.Never, attempts: 3)));
        h.Fs.Writes.Count(w => w.Path is Drop or Compact).ShouldBe(0);
        h.Fs.Writes.Count(w => w.Path == SimHostFs.Nr2M).ShouldBe(4); // three attempts and the give-back
    }

    [Fact]
    public void StillShortGivesEverythingBackAndNamesTheShortfall()
    {
        using var h = new EngineHarness(new SimHostFs(grantable: 10));
        h.Fs.Set(SimHostFs.Nr2M, "4\n");
        var e = Should.Throw<StepFailedException>(() => h.Prepare("a", Fixtures.Hugepages(16, attempts: 2)));
        e.Message.ShouldBe("hugepages:2048kB: got 6 of 16 2048kB pages in /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages after 2 attempt(s)");
        h.Fs.Pages.ShouldBe(4);
        File.Exists(h.Store.PathOf("a")).ShouldBeFalse();
    }

    [Fact]
    public void AFailedDomainLeavesAnotherDomainsPagesAlone()
    {
        using var h = new EngineHarness(new SimHostFs(grantable: 20));
        h.Prepare("a", Fixtures.Hugepages(16));
        Should.Throw<StepFailedException>(() => h.Prepare("b", Fixtures.Hugepages(16, attempts: 1)));
        h.Fs.Pages.ShouldBe(16);
        h.Executor.Release("b", Fixtures.Log).ShouldBeEmpty();
        h.Fs.Pages.ShouldBe(16);
    }

    [Fact]
    public void ACrashAfterTheKernelWriteIsUndoneByRelease()
    {
        using var h = new EngineHarness();
        // The journal holds the intent; the process died after the write, before recording the result.
        h.Fs.Set(SimHostFs.Nr2M, "16\n");
        h.Store.Save(IntentRecord("a", pages: 16, baseline: 0));
        h.Executor.Release("a", Fixtures.Log).ShouldBeEmpty();
        h.Fs.Pages.ShouldBe(0);
    }

    [Fact]
    public void ACrashBeforeTheKernelWriteCannotTakeAnotherDomainsPages()
    {
        using var h = new EngineHarness();
        h.Prepare("b", Fixtures.Hugepages(8));
        h.Store.Save(IntentRecord("a", pages: 16, baseline: 0));
        h.Executor.Release("a", Fixtures.Log).ShouldBeEmpty();
        h.Fs.Pages.ShouldBe(8);
    }

    [Fact]
    public void ReleaseWithoutStateIsANoOp()
    {
        using var h = new EngineHarness();
        h.Executor.Release("nothing", Fixtures.Log).ShouldBeEmpty();
        h.Fs.Writes.ShouldBeEmpty();
    }

    [Fact]
    public void PrepareUndoesWhatAPreviousRunLeftBeforeTakingPagesAgain()
    {
        using var h = new EngineHarness();
        h.Prepare("a", Fixtures.Hugepages(16));
        h.Prepare("a", Fixtures.Hugepages(16));
        h.Fs.Pages.ShouldBe(16);
    }

    [Fact]
    public void AutoCountIsTheDomainMemoryInPagesRoundedUp()
    {
        using var h = new EngineHarness();
        var steps = h.Plan(Fixtures.Rules(Fixtures.Hugepages(count: null)), Fixtures.Domain(memoryMiB: 65));
        steps.OfType<HugepagesStep>().Single().Pages.ShouldBe(33);
    }

    [Fact]
    public void AutoCountWithoutHugepageBackingInTheXmlIsRefused()
    {
        using var h = new EngineHarness();
        Should.Throw<PlanException>(() => h.Plan(Fixtures.Rules(Fixtures.Hugepages(count: null)), Fixtures.Domain(hugepages: false)))
            .Message.ShouldContain("<memoryBacking><hugepages/>");
    }

    [Fact]
    public void APoolTheKernelDoesNotHaveIsRefusedBeforeAnythingIsTouched()
    {
        using var h = new EngineHarness();
        Should.Throw<PlanException>(() => h.Plan(Fixtures.Rules(Fixtures.Hugepages(pageSize: ByteSize.OneGiB)), Fixtures.Domain(hugepages: false)))
            .Message.ShouldContain("hugepages-1048576kB");
        h.Fs.Writes.ShouldBeEmpty();
    }

    [Fact]
    public void MoreThanTheHostsMemoryIsRefusedBeforeAnythingIsTouched()
    {
        using var h = new EngineHarness(new SimHostFs(memTotalKb: 4UL * 1024 * 1024));
        Should.Throw<PlanException>(() => h.Plan(Fixtures.Rules(Fixtures.Hugepages(100_000)), Fixtures.Domain()))
            .Message.ShouldBe("hugepages: 100000 2048kB pages (195.3 GiB) exceed this host's memory (MemTotal 4 GiB)");
    }

    [Fact]
    public void TheDryRunNamesTheExactWrites()
    {
        using var h = new EngineHarness();
        h.Fs.Set(SimHostFs.Nr2M, "2\n");
        var step = h.Plan(Fixtures.Rules(Fixtures.Hugepages(16)), Fixtures.Domain()).Single();
        step.Actions[0].ShouldBe("for the rule's count");
        step.Actions[1].ShouldBe("write 18 to /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages (now 2), read back; up to 5 attempt(s)");
        step.Actions.ShouldContain(a => a.StartsWith("if short: write 1 to /proc/sys/vm/compact_memory, then write 3 to /proc/sys/vm/drop_caches", StringComparison.Ordinal));
        h.Fs.Writes.ShouldBeEmpty();
    }

    private static DomainState IntentRecord(string domain, long pages, long baseline) => new()
    {
        Domain = domain,
        Steps =
        {
            TestRecords.Record("hugepages", new HugepagesData
            {
                Pool = SimHostFs.Nr2M,
                PageSizeBytes = 2097152,
                Pages = pages,
                Baselines = new Dictionary<string, long>(StringComparer.Ordinal) { ["global"] = baseline },
                Start = baseline,
            }, StepStatus.Intent),
        },
    };
}
