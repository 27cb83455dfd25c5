using HookDispatcher.Engine;
using HookDispatcher.Handlers.Hugepages;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Engine;

/// <summary>A save interrupted between writing and renaming, and readers racing a writer, see the old or the new state, never a torn one.</summary>
public sealed class StateJournalCrashTests
{
    private static DomainState State(int generation) => new()
    {
        Domain = "vm",
        Steps =
        {
            TestRecords.Record("hugepages:2048kB", new HugepagesData
            {
                Pool = SimHostFs.Nr2M,
                PageSizeBytes = 2097152,
                Pages = generation,
                // Large enough that a save written in place would be seen half-written.
                Baselines = Enumerable.Range(0, 200).ToDictionary(i => $"node{i}", _ => (long)generation),
            }),
        },
    };

    /// <summary>The generation a state file holds; a save seen half-written would mix two.</summary>
    private static int Generation(DomainState state)
    {
        var data = state.Steps.Single().As<HugepagesData>();
        data.Baselines.Values.ShouldAllBe(v => v == data.Pages);
        return (int)data.Pages;
    }

    [Fact]
    public void ACrashBetweenWritingAndRenamingLeavesTheOldStateAndTheNextSaveSucceeds()
    {
        using var dir = new TempDir();
        var crash = false;
        var store = new StateStore(dir.Join("state"), beforeRename: _ =>
        {
            if (crash)
            {
                throw new IOException("killed before the rename");
            }
        });
        store.Save(State(1));
        crash = true;
        Should.Throw<StateException>(() => store.Save(State(2)));
        Generation(store.Load("vm").ShouldNotBeNull()).ShouldBe(1);
        store.LoadEach().ShouldAllBe(e => e.Error == null);

        crash = false;
        store.Save(State(3));
        Generation(store.Load("vm").ShouldNotBeNull()).ShouldBe(3);
        Directory.GetFiles(store.Directory).Select(Path.GetFileName).ShouldBe(["vm.json"]);
    }

    [Fact]
    public void AReaderRacingAWriterAlwaysSeesAWholeState()
    {
        using var dir = new TempDir();
        var store = new StateStore(dir.Join("state"));
        store.Save(State(0));
        var done = false;
        var seen = new List<int>();
        var problems = new List<string>();
        var reader = new Thread(() =>
        {
            var reads = new StateStore(dir.Join("state"));
            while (!Volatile.Read(ref done))
            {
                try
                {
                    seen.Add(Generation(reads.Load("vm") ?? throw new InvalidOperationException("state file missing")));
                }
                catch (Exception e)
                {
                    problems.Add(e.Message);
                }
            }
        });
        reader.Start();
        for (var generation = 1; generation <= 300; generation++)
        {
            store.Save(State(generation));
        }
        Volatile.Write(ref done, true);
        reader.Join();
        problems.ShouldBeEmpty();
        seen.Count.ShouldBeGreaterThan(0);
        seen.ShouldBe(seen.Order().ToList(), "a reader never goes back to an older state");
    }
}
