using HookDispatcher.Engine;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Engine;

/// <summary>State files that outlive the build that wrote them: older formats, newer fields, newer formats.</summary>
public sealed class StateFormatTests
{
    private static string Fixture(string name) => File.ReadAllText(Path.Join(AppContext.BaseDirectory, "Engine", "fixtures", name));

    /// <summary>
    /// format1-vm.json was written by the release before format 2 (3b679dc) for exactly these events on this
    /// host; the records it holds are released as if this build had written them.
    /// </summary>
    [Fact]
    public void AFormatOneFileWithOneRecordOfEachKindIsReadMigratedAndReleased()
    {
        using var h = Format1Harness.Create();
        var before = h.Fs.Snapshot();
        Format1Harness.Run(h);
        File.WriteAllText(h.Store.PathOf("vm"), Fixture("format1-vm.json"));

        var state = h.Store.Load("vm")!;
        state.Version.ShouldBe(1);
        state.Steps.Select(s => s.Kind).ShouldBe(["hugepages", "sleepInhibitor", "cpuGovernor", "cpuIsolation", "cpuIsolation.irqs", "cpuIsolation.workqueues"]);
        state.Steps.ShouldAllBe(s => s.Seq == 0);
        h.Store.Save(state);
        File.ReadAllText(h.Store.PathOf("vm")).ShouldContain("\"version\": 2");
        h.Store.Load("vm")!.Steps.Select(s => s.Data).ShouldBe(state.Steps.Select(s => s.Data));

        h.Release("vm").ShouldBeEmpty();
        h.Fs.Snapshot().ShouldBe(before);
        h.Systemd.AllowedCpus.Values.ShouldAllBe(v => v == null);
    }

    [Fact]
    public void AStateFileWithFieldsThisBuildDoesNotKnowStillReads()
    {
        using var h = new EngineHarness();
        h.Prepare("vm", Fixtures.Hugepages(16));
        var path = h.Store.PathOf("vm");
        // What a later build of the same format might add: a field on the file and one on a record.
        File.WriteAllText(path, File.ReadAllText(path)
            .Replace("\"uuid\": null,", "\"uuid\": null, \"writtenBy\": \"hookdispatcher 0.2\",", StringComparison.Ordinal)
            .Replace("\"seq\": 1,", "\"seq\": 1, \"holders\": [\"vm\"],", StringComparison.Ordinal));
        h.Store.Load("vm")!.Steps.Single().Id.ShouldBe("hugepages:2048kB");
        h.Release("vm").ShouldBeEmpty();
        h.Fs.Pages.ShouldBe(0);
    }

    [Fact]
    public void AStateFileOfANewerFormatIsRefusedByNameNeverReadAsHoldingNothing()
    {
        using var h = new EngineHarness();
        h.Prepare("vm", Fixtures.Hugepages(16));
        var path = h.Store.PathOf("vm");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"version\": 2", "\"version\": 3", StringComparison.Ordinal));

        var e = Should.Throw<StateException>(() => h.Store.Load("vm"));
        e.Message.ShouldStartWith($"State file '{path}' has format 3, which this hookdispatcher (format 2) cannot read");
        e.Message.ShouldContain("'hookctl forget vm --yes'");
        // Its own prepare and release stop with that line; another domain's pages of the pool are not taken.
        Should.Throw<StateException>(() => h.Prepare("vm", Fixtures.Hugepages(16))).Message.ShouldBe(e.Message);
        Should.Throw<StateException>(() => h.Release("vm")).Message.ShouldBe(e.Message);
        h.Fs.Pages.ShouldBe(16);
        Ledger.Load(h.Store).Unreadable.Single().Domain.ShouldBe("vm");
    }
}
