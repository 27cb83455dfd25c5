using HookDispatcher.Engine;
using HookDispatcher.Tests.Reliability;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Engine;

/// <summary>Each record names its own kind, and that kind alone says how it is undone, checked and described.</summary>
public sealed class RecordKindsTests
{
    [Fact]
    public void EveryRecordAPrepareOfEveryHandlerJournalsNamesAKindTheHandlersRegister()
    {
        using var world = new FaultWorld(int.MaxValue);
        world.Hook("prepare", "begin").ShouldBe((0, ""));
        world.Hook("started", "begin").ShouldBe((0, ""));
        var records = world.Services.Store.Load(FaultWorld.Domain)!.Steps;
        records.Count.ShouldBeGreaterThan(8);
        records.Where(r => world.Services.RecordKinds.Of(r) is null).Select(r => $"{r.Id}: {r.Kind}").ShouldBeEmpty();
        // The gpu section's records were one kind, told apart by an "action" inside; now each step's has its own.
        records.Where(r => r.Id.StartsWith("gpu.", StringComparison.Ordinal) && r.Id != "gpu.stopUnits").Select(r => r.Kind).Distinct()
            .ShouldBe(["gpu.usersChecked", "gpu.vtconsoles", "gpu.framebuffer", "gpu.bind", "gpu.unload"], ignoreOrder: true);
        world.Hook("release", "end").ShouldBe((0, ""));
    }

    [Fact]
    public void TwoKindsOfOneNameAreRefusedWhenTheHandlersAreAssembled()
    {
        using var h = new EngineHarness();
        var e = Should.Throw<InvalidOperationException>(() => new RecordKinds([.. h.Handlers, .. h.Handlers.Take(1)]));
        e.Message.ShouldContain("two record kinds are named");
    }
}
