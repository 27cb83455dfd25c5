using HookDispatcher.Engine;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Handlers.Gpu;

public sealed class GpuSingleGpuTests
{
    private static GpuHarness Harness()
    {
        var host = SimPciHost.Standard();
        host.Modules["bochs"].HeldByConsole = true;
        host.Devices["0000:01:00.0"].BootVga = true;
        host.Framebuffer = ("efi-framebuffer.0", "efi-framebuffer", true);
        var h = new GpuHarness(host);
        h.Systemd.Running["display-manager.service"] = [];
        return h;
    }

    private static HookDispatcher.Rules.GpuRule Rule(params string[] modules) =>
        GpuHarness.Rule(single: GpuHarness.Single(units: ["display-manager.service"], modules: modules));

    [Fact]
    public void TheHandoverRunsInOrderAndBindsTheGpu()
    {
        using var h = Harness();
        h.Plan(Rule("bochs")).Select(s => s.Id).ShouldBe(
            ["gpu.stopUnits", "gpu.users", "gpu.vtconsoles", "gpu.framebuffer", "gpu.bind.0000:01:00.1", "gpu.unload.bochs", "gpu.bind.0000:01:00.0"]);
        h.Prepare(Rule("bochs"));
        h.Systemd.Calls.ShouldBe(["stop display-manager.service"]);
        h.Host.Writes.Take(2).ShouldBe([("/sys/class/vtconsole/vtcon1/bind", "0"), ("/sys/bus/platform/drivers/efi-framebuffer/unbind", "efi-framebuffer.0")]);
        // vfio-pci is loaded for the HDMI audio, which leaves the host before bochs is unloaded.
        h.Host.ModuleCalls.ShouldBe(["load vfio-pci", "unload bochs"]);
        h.DriverOf("0000:01:00.0").ShouldBe("vfio-pci");
        h.DriverOf("0000:01:00.1").ShouldBe("vfio-pci");
    }

    [Fact]
    public void TheDryRunKnowsTheUnloadedModuleTakesTheGpuOffItsDriver()
    {
        using var h = Harness();
        var bind = h.Plan(Rule("bochs")).Single(s => s.Id == "gpu.bind.0000:01:00.0");
        bind.Actions.ShouldContain("nothing to unbind: unloading bochs takes it off bochs-drm");
        bind.Actions[^1].ShouldEndWith("and loading bochs again binds it to bochs-drm");
        h.Host.Writes.ShouldBeEmpty();
    }

    [Fact]
    public void ReleaseRestoresExactlyWhatWasChangedInReverse()
    {
        using var h = Harness();
        h.Host.Modules["vfio_pci"].Loaded = true;
        var before = h.Host.Snapshot();
        h.Prepare(Rule("bochs"));
        h.Host.Timeline.Clear();
        h.Release().ShouldBeEmpty();
        h.Host.Snapshot().ShouldBe(before);
        h.Host.Timeline.ShouldBe(
        [
            // The GPU first: off vfio-pci, override cleared; bochs-drm is not loaded yet, its reload binds the GPU.
            "write /sys/bus/pci/drivers/vfio-pci/unbind",
            "write /sys/bus/pci/devices/0000:01:00.0/driver_override",
            "load bochs",
            // Only then the HDMI audio: its codec talks to the GPU driver when it probes.
            "write /sys/bus/pci/drivers/vfio-pci/unbind",
            "write /sys/bus/pci/devices/0000:01:00.1/driver_override",
            "write /sys/bus/pci/drivers/snd_hda_intel/bind",
            "write /sys/bus/platform/drivers/efi-framebuffer/bind",
            "write /sys/class/vtconsole/vtcon1/bind",
        ]);
        h.Systemd.Calls.ShouldBe(["stop display-manager.service", "start display-manager.service"]);
    }

    [Fact]
    public void ModulesAreUnloadedInTheGivenOrderAndLoadedAgainInReverse()
    {
        using var h = Harness();
        h.Host.AddModule(new SimPciHost.Module("drm_helper") { Loaded = true });
        h.Host.Modules["drm_helper"].Holders.Add("bochs");
        h.Prepare(Rule("bochs", "drm_helper"));
        h.Host.ModuleCalls.Where(c => c.StartsWith("unload", StringComparison.Ordinal)).ShouldBe(["unload bochs", "unload drm_helper"]);
        h.Host.ModuleCalls.Clear();
        h.Release().ShouldBeEmpty();
        h.Host.ModuleCalls.ShouldBe(["load drm_helper", "load bochs"]);
        h.DriverOf("0000:01:00.0").ShouldBe("bochs-drm");
    }

    [Fact]
    public void ABusyModuleIsRetriedWithinTheBound()
    {
        using var h = Harness();
        h.Host.Modules["bochs"].BusyUnloads = 3;
        h.Prepare(Rule("bochs"));
        h.Host.ModuleCalls.Count(c => c == "unload bochs").ShouldBe(4);
    }

    [Fact]
    public void AModuleThatStaysInUseFailsNamingItsUsersAndEverythingComesBack()
    {
        using var h = Harness();
        h.Host.Modules["vfio_pci"].Loaded = true;
        var bochs = h.Host.Modules["bochs"];
        bochs.Refcnt = 2;
        bochs.Holders.Add("bochs_extra");
        h.Host.AddModule(new SimPciHost.Module("bochs_extra") { Loaded = true });
        var before = h.Host.Snapshot();
        var e = Should.Throw<StepFailedException>(() => h.Prepare(Rule("bochs")));
        e.Message.ShouldMatch(@"^gpu\.unload\.bochs: Cannot unload module 'bochs': EBUSY \(.*\) after 0\.\d s: refcnt 2, holders: bochs_extra$");
        h.Host.Snapshot().ShouldBe(before);
        h.Systemd.Calls.ShouldBe(["stop display-manager.service", "start display-manager.service"]);
    }

    [Fact]
    public void TheConsoleMustLetGoBeforeTheModuleCanGo()
    {
        using var h = Harness();
        var rule = GpuHarness.Rule(single: GpuHarness.Single(modules: ["bochs"], consoles: false));
        Should.Throw<StepFailedException>(() => h.Prepare(rule)).Message.ShouldContain("Cannot unload module 'bochs': EBUSY");
        h.DriverOf("0000:01:00.0").ShouldBe("bochs-drm");
    }

    [Fact]
    public void AModuleThatWasNotLoadedIsNotLoadedAtRelease()
    {
        using var h = Harness();
        h.Host.AddModule(new SimPciHost.Module("nvidia"));
        h.Prepare(Rule("nvidia"));
        h.Host.ModuleCalls.ShouldNotContain("unload nvidia");
        h.Release().ShouldBeEmpty();
        h.Host.ModuleCalls.ShouldNotContain("load nvidia");
    }

    [Fact]
    public void WhenTheKernelIgnoresTheConsoleRebindFbconIsMappedToTheFramebufferAgain()
    {
        // As in the e2e guest: no system console driver to swap with, and a prepare that fails after the consoles
        // were unbound but before the GPU left its driver (so no framebuffer registration brings fbcon back).
        using var h = Harness();
        h.Host.SystemConsoleDriver = false;
        h.Host.Modules.Remove("vfio_pci");
        var before = h.Host.Snapshot();
        Should.Throw<StepFailedException>(() => h.Prepare(GpuHarness.Rule(single: GpuHarness.Single())));
        h.Host.ModuleCalls.ShouldContain("con2fbmap 1 0");
        h.Host.Snapshot().ShouldBe(before);
    }

    [Fact]
    public void OnlyFrameBufferConsolesAreUnbound()
    {
        using var h = Harness();
        h.Host.Consoles[0] = ("(S) dummy device", true);
        h.Prepare(Rule());
        h.Host.Consoles.ShouldBe([("(S) dummy device", true), ("(M) frame buffer device", false)]);
    }

    [Fact]
    public void WithoutAFirmwareFramebufferTheStepRecordsNothing()
    {
        using var h = Harness();
        h.Host.Framebuffer = null;
        var step = h.Plan(Rule()).Single(s => s.Id == "gpu.framebuffer");
        step.Actions.ShouldBe(["no efi-framebuffer.0 or simple-framebuffer.0 is bound: nothing to unbind"]);
        h.Prepare(Rule());
        h.Release().ShouldBeEmpty();
        h.Host.Writes.ShouldNotContain(w => w.Path.Contains("platform"));
    }

    [Fact]
    public void TheDryRunOfReleaseDescribesEachUndo()
    {
        using var h = Harness();
        h.Prepare(Rule("bochs"));
        var state = h.Store.Load("vm")!;
        var gpu = h.Handlers[0];
        gpu.DescribeUndo(state.Steps.Single(s => s.Id == "gpu.unload.bochs")).ShouldBe(["/usr/sbin/modprobe bochs, then wait for 0000:01:00.0 to be bound"]);
        gpu.DescribeUndo(state.Steps.Single(s => s.Id == "gpu.vtconsoles")).ShouldBe(["write 1 to /sys/class/vtconsole/vtcon1/bind"]);
        gpu.DescribeUndo(state.Steps.Single(s => s.Id == "gpu.bind.0000:01:00.0")).ShouldBe(
        [
            "if on vfio-pci: write 0000:01:00.0 to /sys/bus/pci/drivers/vfio-pci/unbind",
            "write \"\\n\" to /sys/bus/pci/devices/0000:01:00.0/driver_override",
            "write 0000:01:00.0 to /sys/bus/pci/drivers/bochs-drm/bind and check the driver link",
        ]);
    }
}
