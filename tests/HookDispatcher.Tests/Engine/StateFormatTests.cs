using HookDispatcher.Engine;
using HookDispatcher.Handlers.LookingGlass;
using HookDispatcher.Handlers.Units;
using HookDispatcher.Host;
using HookDispatcher.Tests.Handlers.Gpu;
using HookDispatcher.Tests.Handlers.Scripts;
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
        File.ReadAllText(h.Store.PathOf("vm")).ShouldContain("\"version\": 3");
        h.Store.Load("vm")!.Steps.Select(s => s.Data).ShouldBe(state.Steps.Select(s => s.Data));

        h.Release("vm").ShouldBeEmpty();
        h.Fs.Snapshot().ShouldBe(before);
        h.Systemd.AllowedCpus.Values.ShouldAllBe(v => v == null);
    }

    /// <summary>
    /// format2-vm.json holds records written by the release before format 3 (f52f1a7) for the handlers that named
    /// one kind for several records (gpu: its action inside; scripts: its type; lookingGlass: the record id), from
    /// real prepares on the test hosts; format2-vm.describe.txt is what that release's dry run of release said
    /// for each. Read now, each gets the kind of its own name and is undone by the same code: the same lines.
    /// </summary>
    [Fact]
    public void AFormatTwoFileIsReadWithAKindForEachRecordAndEachUndoesAsBefore()
    {
        using var root = new TempDir();
        var store = new StateStore(root.Join("state"));
        Directory.CreateDirectory(store.Directory);
        File.WriteAllText(store.PathOf("vm"), Fixture("format2-vm.json"));
        using var gpu = new GpuHarness();
        using var scripts = new ScriptsHarness();
        var kinds = new RecordKinds([gpu.Handlers[0], scripts.Scripts, new StopUnitsHandler(new FakeSystemd()),
            new LookingGlassHandler(fs => new OwnedFiles(fs), new SimKvmfr(root.Path), TimeSpan.FromSeconds(1))]);

        var state = store.Load("vm")!;
        state.Version.ShouldBe(2);
        state.Steps.Select(s => s.Kind).ShouldBe([
            "stopUnits", "gpu.usersChecked", "gpu.vtconsoles", "gpu.framebuffer", "gpu.resetMethod", "gpu.bind", "gpu.unload", "gpu.bind",
            "gpu.leftToLibvirt", "scripts.release", "scripts.script", "scripts.script", "scripts.treeRelease", "lookingGlass.kvmfr", "lookingGlass.shm"]);
        state.Steps.Select(r => $"{r.Id} => {string.Join(" | ", kinds.Of(r)!.DescribeUndo(r))}")
            .ShouldBe(Fixture("format2-vm.describe.txt").Split('\n', StringSplitOptions.RemoveEmptyEntries));

        store.Save(state);
        File.ReadAllText(store.PathOf("vm")).ShouldContain("\"version\": 3");
        var again = store.Load("vm")!;
        again.Steps.Select(s => s.Kind).ShouldBe(state.Steps.Select(s => s.Kind));
        again.Steps.Select(s => s.Data).ShouldBe(state.Steps.Select(s => s.Data));
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
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"version\": 3", "\"version\": 4", StringComparison.Ordinal));

        var e = Should.Throw<StateException>(() => h.Store.Load("vm"));
        e.Message.ShouldStartWith($"State file '{path}' has format 4, which this hookdispatcher (format 3) cannot read");
        e.Message.ShouldContain("'hookctl forget vm --yes'");
        // Its own prepare and release stop with that line; another domain's pages of the pool are not taken.
        Should.Throw<StateException>(() => h.Prepare("vm", Fixtures.Hugepages(16))).Message.ShouldBe(e.Message);
        Should.Throw<StateException>(() => h.Release("vm")).Message.ShouldBe(e.Message);
        h.Fs.Pages.ShouldBe(16);
        Ledger.Load(h.Store).Unreadable.Single().Domain.ShouldBe("vm");
    }
}
