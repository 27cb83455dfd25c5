using HookDispatcher.Engine;
using HookDispatcher.Handlers.Units;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Handlers;

public sealed class StopUnitsStepTests
{
    private static (EngineHarness H, Executor Executor) Harness()
    {
        var h = new EngineHarness();
        var executor = new Executor(h.Fs, h.Store, [.. h.Handlers, new StopUnitsHandler(h.Systemd)], TimeSpan.FromSeconds(5));
        return (h, executor);
    }

    [Fact]
    public void OnlyUnitsThatWereActiveAreStoppedAndStartedAgainInReverseOrder()
    {
        var (h, executor) = Harness();
        using var _ = h;
        h.Systemd.Running["display-manager.service"] = [];
        h.Systemd.Running["pipewire.service"] = [];
        var step = new StopUnitsStep(h.Systemd, "gpu.stopUnits", ["display-manager.service", "absent.service", "pipewire.service"]);
        executor.Apply("vm", null, "prepare begin", [step], undoStaleFirst: true, Fixtures.Log);
        h.Systemd.Running.ShouldBeEmpty();
        h.Systemd.Calls.Clear();
        executor.Release("vm", Fixtures.Log).ShouldBeEmpty();
        h.Systemd.Calls.ShouldBe(["start pipewire.service", "start display-manager.service"]);
    }

    [Fact]
    public void AFailedStopStartsAgainWhatWasAlreadyStopped()
    {
        var (h, executor) = Harness();
        using var _ = h;
        h.Systemd.Running["a.service"] = [];
        h.Systemd.Running["b.service"] = [];
        h.Systemd.FailOn = "stop b.service";
        var step = new StopUnitsStep(h.Systemd, "gpu.stopUnits", ["a.service", "b.service"]);
        Should.Throw<StepFailedException>(() => executor.Apply("vm", null, "prepare begin", [step], undoStaleFirst: true, Fixtures.Log));
        h.Systemd.Calls.ShouldContain("start a.service");
        h.Store.Load("vm").ShouldBeNull();
    }
}
