using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;
using HookDispatcher.Engine;
using HookDispatcher.Handlers.CpuIsolation;
using HookDispatcher.Handlers.Hugepages;
using HookDispatcher.Handlers.LookingGlass;
using HookDispatcher.Handlers.Scripts;
using HookDispatcher.Handlers.Units;
using HookDispatcher.Host;
using HookDispatcher.Tests.Handlers.Gpu;
using HookDispatcher.Tests.Handlers.Scripts;
using HookDispatcher.Tests.Reliability;
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
        File.ReadAllText(h.Store.PathOf("vm")).ShouldContain("\"version\": 4");
        h.Store.Load("vm")!.Steps.Select(Json).ShouldBe(state.Steps.Select(Json));

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
        File.ReadAllText(store.PathOf("vm")).ShouldContain("\"version\": 4");
        var again = store.Load("vm")!;
        again.Steps.Select(s => s.Kind).ShouldBe(state.Steps.Select(s => s.Kind));
        again.Steps.Select(Json).ShouldBe(state.Steps.Select(Json));
    }

    /// <summary>
    /// format3-vm.json holds one record of every kind as the release before typed records (d59e4db) wrote them:
    /// a full prepare of every handler (hugepages, inhibitor, single-GPU handover, governor, AllowedCPUs, IRQs,
    /// workqueues), format2-vm.json's other kinds saved by that release (reset method, managed functions, scripts,
    /// kvmfr, shm), a VFIO-Tools tree script, a node pool's intent left by a crash, and a unit record marked as being
    /// given back (by a pid that no longer runs). format3-vm.describe.txt is what that release's dry run of release
    /// said for each. Read now, each is typed data of its kind, and undoes as before.
    /// </summary>
    [Fact]
    public void AFormatThreeFileOfEveryKindIsReadAsTypedRecordsAndEachUndoesAsBefore()
    {
        using var root = new TempDir();
        var store = new StateStore(root.Join("state"));
        Directory.CreateDirectory(store.Directory);
        File.WriteAllText(store.PathOf("vm"), Fixture("format3-vm.json"));
        using var world = new FaultWorld(int.MaxValue);
        var kinds = world.Services.RecordKinds;

        var state = store.Load("vm")!;
        state.Version.ShouldBe(3);
        // Every kind the handlers register is in the fixture.
        state.Steps.Select(s => s.Kind).Distinct().Order(StringComparer.Ordinal)
            .ShouldBe(world.Services.Handlers.SelectMany(h => h.RecordKinds).Select(k => k.Name).Order(StringComparer.Ordinal));
        state.Steps.Select(r => $"{r.Id} => {string.Join(" | ", kinds.Of(r)!.DescribeUndo(r))}")
            .ShouldBe(Fixture("format3-vm.describe.txt").Split('\n', StringSplitOptions.RemoveEmptyEntries));
        // What the string mini-formats said, typed.
        var pool = state.Steps.Single(s => s.Id == "hugepages:1048576kB@node0").As<HugepagesData>();
        (pool.Node, pool.Pages, pool.Start, pool.Granted).ShouldBe((0, 2L, 1L, (long?)null));
        pool.Baselines.ShouldBe(new Dictionary<string, long> { ["node0"] = 1, ["global"] = 1 }, ignoreOrder: true);
        var irqs = state.Steps.Single(s => s.Kind == IrqAffinityStep.KindName).As<IrqAffinityData>();
        irqs.Refused.ShouldBe([26]);
        irqs.Originals[25].ShouldBe("4-5");
        irqs.DefaultAffinity.ShouldBe("ff");
        var kvmfr = state.Steps.Single(s => s.Kind == KvmfrRecord.KindName).As<KvmfrData>();
        kvmfr.LoadedHere.ShouldBeTrue();
        kvmfr.ModuleSizes.ShouldBe([64UL]);
        kvmfr.UserSizes.ShouldBe([]);
        kvmfr.Found.ShouldBe(new FileOwner(0, 0, Convert.ToUInt32("600", 8)));
        state.Steps.Single(s => s.Id == "scripts:setup").As<ScriptData>().Undo.ShouldBe(["/bin/true"]);
        var units = state.Steps.Single(s => s.Id == "gpu.stopUnits");
        units.Releasing.ShouldBe(4194304);
        DomainRun.IsReleasing(units).ShouldBeFalse("no process has that pid");

        store.Save(state);
        var text = File.ReadAllText(store.PathOf("vm"));
        text.ShouldContain("\"version\": 4");
        text.ShouldContain("\"kind\": \"hugepages\",");
        text.ShouldContain("\"granted\": 16");
        var again = store.Load("vm")!;
        again.Steps.Select(Json).ShouldBe(state.Steps.Select(Json));
        again.Steps.Select(r => $"{r.Id} => {string.Join(" | ", kinds.Of(r)!.DescribeUndo(r))}")
            .ShouldBe(Fixture("format3-vm.describe.txt").Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>Each kind the handlers register has one data type, whose discriminator is the kind's name.</summary>
    [Fact]
    public void EveryRegisteredKindHasADataTypeOfItsNameAndNoOther()
    {
        using var world = new FaultWorld(int.MaxValue);
        var derived = typeof(RecordData).GetCustomAttributes(typeof(JsonDerivedTypeAttribute), inherit: false)
            .Cast<JsonDerivedTypeAttribute>()
            .ToList();
        derived.Select(d => (string)d.TypeDiscriminator!).Order(StringComparer.Ordinal)
            .ShouldBe(world.Services.Handlers.SelectMany(h => h.RecordKinds).Select(k => k.Name).Order(StringComparer.Ordinal));
        foreach (var d in derived)
        {
            // The kind each type says it is (the scope checks a step journals data of its own kind) is its discriminator.
            var instance = (RecordData)RuntimeHelpers.GetUninitializedObject(d.DerivedType);
            instance.Kind.ShouldBe((string)d.TypeDiscriminator!);
        }
    }

    [Fact]
    public void ADataKindThisBuildDoesNotKnowMakesTheFileUnreadableByNameNeverEmpty()
    {
        using var h = new EngineHarness();
        h.Prepare("vm", Fixtures.Hugepages(16));
        var path = h.Store.PathOf("vm");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"kind\": \"hugepages\"", "\"kind\": \"hugepages.v2\"", StringComparison.Ordinal));

        var e = Should.Throw<StateException>(() => h.Store.Load("vm"));
        e.Message.ShouldStartWith($"State file '{path}' is corrupt: ");
        e.Message.ShouldContain("hugepages.v2");
        e.Message.ShouldContain("'hookctl forget vm --yes'");
        Ledger.Load(h.Store).Unreadable.Single().Domain.ShouldBe("vm");
        h.Fs.Pages.ShouldBe(16);
    }

    [Fact]
    public void ARecordWhoseKindComesAfterItsFieldsStillReads()
    {
        using var h = new EngineHarness();
        h.Prepare("vm", Fixtures.Hugepages(16));
        var path = h.Store.PathOf("vm");
        // As a file edited by hand may have it: the discriminator last.
        var text = File.ReadAllText(path).Replace("\"kind\": \"hugepages\",", "", StringComparison.Ordinal)
            .Replace("\"granted\": 16", "\"granted\": 16, \"kind\": \"hugepages\"", StringComparison.Ordinal);
        File.WriteAllText(path, text);
        h.Store.Load("vm")!.Steps.Single().As<HugepagesData>().Granted.ShouldBe(16);
        h.Release("vm").ShouldBeEmpty();
        h.Fs.Pages.ShouldBe(0);
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
            .Replace("\"seq\": 1,", "\"seq\": 1, \"holders\": [\"vm\"],", StringComparison.Ordinal)
            .Replace("\"granted\": 16", "\"granted\": 16, \"grantedAt\": \"2026-12-07T13:00:00Z\"", StringComparison.Ordinal));
        File.ReadAllText(path).ShouldContain("grantedAt");
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
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"version\": 4", "\"version\": 5", StringComparison.Ordinal));

        var e = Should.Throw<StateException>(() => h.Store.Load("vm"));
        e.Message.ShouldStartWith($"State file '{path}' has format 5, which this hookdispatcher (format 4) cannot read");
        e.Message.ShouldContain("'hookctl forget vm --yes'");
        // Its own prepare and release stop with that line; another domain's pages of the pool are not taken.
        Should.Throw<StateException>(() => h.Prepare("vm", Fixtures.Hugepages(16))).Message.ShouldBe(e.Message);
        Should.Throw<StateException>(() => h.Release("vm")).Message.ShouldBe(e.Message);
        h.Fs.Pages.ShouldBe(16);
        Ledger.Load(h.Store).Unreadable.Single().Domain.ShouldBe("vm");
    }

    private static string Json(StepRecord record) => record.DataJson().GetRawText();
}
