using HookDispatcher.Engine;
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
            new StepRecord
            {
                Id = "hugepages:2048kB",
                Kind = "hugepages",
                Event = "prepare begin",
                Status = StepStatus.Done,
                // Large enough that a save written in place would be seen half-written.
                Data = Enumerable.Range(0, 200).ToDictionary(i => $"key{i}", _ => generation.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            },
        },
    };

    private static int Generation(DomainState state) =>
        state.Steps.Single().Data.Values.Distinct().Select(v => int.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).Single();

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
