using HookDispatcher.Engine;
using HookDispatcher.Handlers.Gpu;
using HookDispatcher.Host;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Handlers.Gpu;

public sealed class GpuBindTests
{
    [Fact]
    public void TheWholeIommuGroupGoesToVfioPciAndTheBridgeStaysWithTheHost()
    {
        using var h = new GpuHarness();
        h.Prepare(GpuHarness.Rule());
        h.DriverOf("0000:01:00.0").ShouldBe("vfio-pci");
        h.DriverOf("0000:01:00.1").ShouldBe("vfio-pci");
        h.DriverOf("0000:00:1c.0").ShouldBe("pcieport");
        h.Host.Exists("/dev/vfio/5").ShouldBeTrue();
        h.Host.ModuleCalls.ShouldBe(["load vfio-pci"]);
    }

    [Fact]
    public void FunctionsAboveZeroLeaveTheHostFirstWithTheExactWrites()
    {
        using var h = new GpuHarness();
        h.Prepare(GpuHarness.Rule());
        h.Host.Writes.ShouldBe(
        [
            ("/sys/bus/pci/drivers/snd_hda_intel/unbind", "0000:01:00.1"),
            ("/sys/bus/pci/devices/0000:01:00.1/driver_override", "vfio-pci"),
            ("/sys/bus/pci/drivers/vfio-pci/bind", "0000:01:00.1"),
            ("/sys/bus/pci/drivers/bochs-drm/unbind", "0000:01:00.0"),
            ("/sys/bus/pci/devices/0000:01:00.0/driver_override", "vfio-pci"),
            ("/sys/bus/pci/drivers/vfio-pci/bind", "0000:01:00.0"),
        ]);
    }

    [Fact]
    public void ReleaseBringsTheGpuBackBeforeItsAudioAndLeavesTheHostAsFound()
    {
        using var h = new GpuHarness();
        h.Host.Modules["vfio_pci"].Loaded = true;
        var before = h.Host.Snapshot();
        h.Prepare(GpuHarness.Rule());
        h.Host.Writes.Clear();
        h.Release().ShouldBeEmpty();
        h.Host.Writes.ShouldBe(
        [
            ("/sys/bus/pci/drivers/vfio-pci/unbind", "0000:01:00.0"),
            ("/sys/bus/pci/devices/0000:01:00.0/driver_override", "\n"),
            ("/sys/bus/pci/drivers/bochs-drm/bind", "0000:01:00.0"),
            ("/sys/bus/pci/drivers/vfio-pci/unbind", "0000:01:00.1"),
            ("/sys/bus/pci/devices/0000:01:00.1/driver_override", "\n"),
            ("/sys/bus/pci/drivers/snd_hda_intel/bind", "0000:01:00.1"),
        ]);
        h.Host.Snapshot().ShouldBe(before);
        h.Store.Load("vm").ShouldBeNull();
    }

    [Fact]
    public void WithoutWholeIommuGroupOnlyTheListedFunctionMoves()
    {
        using var h = new GpuHarness();
        h.Prepare(GpuHarness.Rule(whole: false));
        h.DriverOf("0000:01:00.0").ShouldBe("vfio-pci");
        h.DriverOf("0000:01:00.1").ShouldBe("snd_hda_intel");
    }

    [Fact]
    public void AnUnboundFunctionIsBoundAndGivenBackToWhateverTheKernelPicks()
    {
        using var h = new GpuHarness();
        h.Host.Devices["0000:01:00.1"].Driver = null;
        h.Prepare(GpuHarness.Rule());
        h.DriverOf("0000:01:00.1").ShouldBe("vfio-pci");
        h.Release().ShouldBeEmpty();
        h.Host.Writes.ShouldContain(("/sys/bus/pci/drivers_probe", "0000:01:00.1"));
        h.DriverOf("0000:01:00.1").ShouldBe("snd_hda_intel");
    }

    [Fact]
    public void AFunctionAlreadyOnVfioPciIsLeftThereAtRelease()
    {
        using var h = new GpuHarness();
        h.Host.Modules["vfio_pci"].Loaded = true;
        var audio = h.Host.Devices["0000:01:00.1"];
        audio.Driver = "vfio-pci";
        audio.Override = "vfio-pci";
        h.Prepare(GpuHarness.Rule());
        h.Release().ShouldBeEmpty();
        audio.Driver.ShouldBe("vfio-pci");
        audio.Override.ShouldBe("vfio-pci");
        h.DriverOf("0000:01:00.0").ShouldBe("bochs-drm");
    }

    [Fact]
    public void DomainXmlHostdevsAreTakenWhenFromDomainXml()
    {
        using var h = new GpuHarness();
        h.Prepare(GpuHarness.Rule(devices: [], fromXml: true), GpuHarness.Domain(("0000:01:00.0", false), ("0000:01:00.1", false)));
        h.DriverOf("0000:01:00.0").ShouldBe("vfio-pci");
        h.DriverOf("0000:01:00.1").ShouldBe("vfio-pci");
    }

    [Fact]
    public void ManagedHostdevsAreLeftToLibvirtAndThePlanSaysSo()
    {
        using var h = new GpuHarness();
        var domain = GpuHarness.Domain(("0000:01:00.0", true), ("0000:01:00.1", true));
        var steps = h.Plan(GpuHarness.Rule(devices: [], fromXml: true), domain);
        steps.ShouldHaveSingleItem().Summary.ShouldBe("leave 0000:01:00.0, 0000:01:00.1 to libvirt (managed='yes' in the domain XML)");
        h.Prepare(GpuHarness.Rule(devices: [], fromXml: true), domain);
        h.Host.Writes.ShouldBeEmpty();
        h.DriverOf("0000:01:00.0").ShouldBe("bochs-drm");
        h.Release().ShouldBeEmpty();
        h.Host.Writes.ShouldBeEmpty();
        h.Store.Load("vm").ShouldBeNull();
    }

    [Fact]
    public void AListedDeviceThatLibvirtManagesIsLeftToItWithItsGroup()
    {
        using var h = new GpuHarness();
        var domain = GpuHarness.Domain(("0000:01:00.0", true));
        h.Prepare(GpuHarness.Rule(), domain);
        h.Host.Writes.ShouldBeEmpty();
    }

    [Fact]
    public void BindManagedMakesTheHookBindManagedHostdevsToo()
    {
        using var h = new GpuHarness();
        var domain = GpuHarness.Domain(("0000:01:00.0", true), ("0000:01:00.1", true));
        h.Prepare(GpuHarness.Rule(devices: [], fromXml: true, bindManaged: true), domain);
        h.DriverOf("0000:01:00.0").ShouldBe("vfio-pci");
        h.DriverOf("0000:01:00.1").ShouldBe("vfio-pci");
    }

    [Fact]
    public void TheDryRunListsEveryWrite()
    {
        using var h = new GpuHarness();
        var steps = h.Plan(GpuHarness.Rule());
        steps.Select(s => s.Id).ShouldBe(["gpu.bind.0000:01:00.1", "gpu.bind.0000:01:00.0"]);
        steps[1].Actions.ShouldBe(
        [
            "run /usr/sbin/modprobe vfio-pci (/sys/bus/pci/drivers/vfio-pci is missing)",
            "write 0000:01:00.0 to /sys/bus/pci/drivers/bochs-drm/unbind",
            "write vfio-pci to /sys/bus/pci/devices/0000:01:00.0/driver_override",
            "write 0000:01:00.0 to /sys/bus/pci/drivers/vfio-pci/bind",
            "wait ≤ 0.1 s until /sys/bus/pci/devices/0000:01:00.0/driver -> vfio-pci and /dev/vfio/5 exists",
            "at release: write 0000:01:00.0 to /sys/bus/pci/drivers/vfio-pci/unbind, write \"\\n\" to /sys/bus/pci/devices/0000:01:00.0/driver_override, write 0000:01:00.0 to /sys/bus/pci/drivers/bochs-drm/bind",
        ]);
        h.Host.Writes.ShouldBeEmpty();
    }

    [Fact]
    public void ADeviceAnotherRunningDomainHoldsIsRefused()
    {
        using var h = new GpuHarness();
        h.Prepare(GpuHarness.Rule(), name: "first");
        var e = Should.Throw<StepFailedException>(() => h.Prepare(GpuHarness.Rule(), name: "second"));
        e.Message.ShouldContain("is held by another running domain");
        h.DriverOf("0000:01:00.0").ShouldBe("vfio-pci");
        h.Store.Load("second").ShouldBeNull();
    }

    [Fact]
    public void AModprobeFailureFailsThePrepareWithItsMessage()
    {
        using var h = new GpuHarness();
        h.Host.Modules.Remove("vfio_pci");
        var e = Should.Throw<StepFailedException>(() => h.Prepare(GpuHarness.Rule()));
        e.Message.ShouldBe("gpu.bind.0000:01:00.1: modprobe: FATAL: Module vfio-pci not found");
        h.DriverOf("0000:01:00.1").ShouldBe("snd_hda_intel");
    }

    [Fact]
    public void TheDevVfioNodeMustAppear()
    {
        // A different target driver has no /dev/vfio node to wait for; vfio-pci does (checked via SimPciHost).
        using var h = new GpuHarness();
        h.Prepare(GpuHarness.Rule());
        h.Host.Exists("/dev/vfio/5").ShouldBeTrue();
        h.Host.Exists("/dev/vfio/6").ShouldBeFalse();
    }

    [Fact]
    public void UndoingAnIntentWhoseChangeNeverHappenedTouchesNothing()
    {
        using var h = new GpuHarness();
        var record = TestRecords.Record("gpu.bind.0000:01:00.0", BochsBind(), StepStatus.Intent);
        h.Store.Save(new DomainState { Domain = "vm", Steps = [record, TestRecords.Record("gpu.vtconsoles", new GpuVtConsolesData(), StepStatus.Intent)] });
        var before = h.Host.Snapshot();
        h.Release().ShouldBeEmpty();
        h.Host.Writes.ShouldBeEmpty();
        h.Host.Snapshot().ShouldBe(before);
    }

    [Fact]
    public void AStaleRunHalfWayThroughIsGivenBackBeforeBindingAgain()
    {
        using var h = new GpuHarness();
        h.Host.Modules["vfio_pci"].Loaded = true;
        var before = h.Host.Snapshot();
        // The previous hook died between unbind and bind: GPU unbound, override set, intent journalled.
        var gpu = h.Host.Devices["0000:01:00.0"];
        gpu.Driver = null;
        gpu.Override = "vfio-pci";
        var record = TestRecords.Record("gpu.bind.0000:01:00.0", BochsBind(), StepStatus.Intent);
        h.Store.Save(new DomainState { Domain = "vm", Steps = [record] });
        h.Release().ShouldBeEmpty();
        h.Host.Snapshot().ShouldBe(before);
    }

    [Fact]
    public void AStaleStateIsUndoneAtTheNextPrepare()
    {
        using var h = new GpuHarness();
        h.Prepare(GpuHarness.Rule());
        h.Host.Writes.Clear();
        // libvirt never called release; the next prepare gives everything back first, then binds again.
        h.Prepare(GpuHarness.Rule());
        h.Host.Writes.ShouldContain(("/sys/bus/pci/drivers/bochs-drm/bind", "0000:01:00.0"));
        h.DriverOf("0000:01:00.0").ShouldBe("vfio-pci");
        h.Store.Load("vm")!.Steps.Count.ShouldBe(2);
    }

    /// <summary>The intent <see cref="BindDeviceStep"/> journals for the boot GPU on bochs-drm, before its first write.</summary>
    private static GpuBindData BochsBind() =>
        new() { Address = "0000:01:00.0", Group = "5", Driver = "vfio-pci", HostDriver = "bochs-drm" };
}
