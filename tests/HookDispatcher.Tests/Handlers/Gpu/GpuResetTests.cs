using HookDispatcher.Engine;
using HookDispatcher.Handlers.Gpu;
using HookDispatcher.Host;
using HookDispatcher.Rules;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Handlers.Gpu;

/// <summary>
/// gpu.resetMethod (the reset the kernel uses while the VM has the card, vendor-reset's device_specific for AMD
/// Polaris/Vega/Navi) and gpu.recover "removeRescan" (a card that will not take its host driver back).
/// </summary>
public sealed class GpuResetTests
{
    private const string Gpu = "0000:01:00.0", Audio = "0000:01:00.1";

    /// <summary>An AMD card with vendor-reset loaded: the kernel lists device_specific before bus.</summary>
    private static SimPciHost AmdHost()
    {
        var host = SimPciHost.Standard();
        host.Modules["vfio_pci"].Loaded = true;
        host.Devices[Gpu].ResetMethods = ["device_specific", "bus"];
        host.Devices[Audio].ResetMethods = ["flr", "bus"];
        return host;
    }

    [Fact]
    public void TheChosenMethodIsInForceWhileTheVmRunsAndTheListFoundComesBackAtRelease()
    {
        using var h = new GpuHarness(AmdHost());
        var before = h.Host.Snapshot();
        h.Prepare(GpuHarness.Rule(resetMethod: "device_specific"));
        h.Host.Devices[Gpu].ResetMethodsInForce.ShouldBe("device_specific");
        // Only the display function: vendor-reset has no method for the HDMI audio.
        h.Host.Devices[Audio].ResetMethodsInForce.ShouldBe("flr bus");
        h.Host.Writes.Select(w => w.Path).ShouldContain("/sys/bus/pci/devices/0000:01:00.0/reset_method");
        h.Host.Writes.Count(w => w.Path.EndsWith("/reset_method", StringComparison.Ordinal)).ShouldBe(1);

        h.Release().ShouldBeEmpty();
        h.Host.Snapshot().ShouldBe(before);
        h.Host.Writes.ShouldContain(("/sys/bus/pci/devices/0000:01:00.0/reset_method", "device_specific bus"));
        h.Store.Load("vm").ShouldBeNull();
    }

    [Fact]
    public void TheMethodIsChosenBeforeAnyBindAndGivenBackAfterTheGpuIsHome()
    {
        using var h = new GpuHarness(AmdHost());
        var ids = h.Plan(GpuHarness.Rule(resetMethod: "device_specific bus")).Select(s => s.Id).ToList();
        ids.ShouldBe(["gpu.resetMethod.0000:01:00.0", "gpu.bind.0000:01:00.1", "gpu.bind.0000:01:00.0"]);
        h.Prepare(GpuHarness.Rule(resetMethod: "bus"));
        h.Host.Writes.Clear();
        h.Release().ShouldBeEmpty();
        h.Host.Writes.Select(w => w.Path).Last().ShouldBe("/sys/bus/pci/devices/0000:01:00.0/reset_method");
    }

    [Fact]
    public void AMethodTheCardDoesNotListIsRefusedBeforeAnythingChangesNamingWhatItOffers()
    {
        var host = SimPciHost.Standard();
        host.Devices[Gpu].ResetMethods = ["flr", "bus"];
        using var h = new GpuHarness(host);
        var e = Should.Throw<PlanException>(() => h.Plan(GpuHarness.Rule(resetMethod: "device_specific")));
        e.Message.ShouldBe("gpu: resetMethod \"device_specific\": 0000:01:00.0 offers only \"flr bus\" (/sys/bus/pci/devices/0000:01:00.0/reset_method), " +
                           "not device_specific; load the vendor-reset module first (modprobe vendor-reset, and list it in /etc/modules-load.d)");
        h.Host.Writes.ShouldBeEmpty();
    }

    [Fact]
    public void AFunctionWithoutResetMethodIsRefused()
    {
        using var h = new GpuHarness();
        Should.Throw<PlanException>(() => h.Plan(GpuHarness.Rule(resetMethod: "flr")))
            .Message.ShouldContain("0000:01:00.0 has no reset method to choose (/sys/bus/pci/devices/0000:01:00.0/reset_method does not exist");
    }

    [Fact]
    public void ADeviceSetWithoutDisplayFunctionIsRefused()
    {
        using var h = new GpuHarness(AmdHost());
        Should.Throw<PlanException>(() => h.Plan(GpuHarness.Rule(devices: [Audio], whole: false, resetMethod: "flr")))
            .Message.ShouldBe("gpu: resetMethod \"flr\": none of 0000:01:00.1 is a display controller (class 0x03)");
    }

    [Fact]
    public void ReleaseWithoutRecoverLeavesAStuckCardUnboundAndSaysSo()
    {
        using var h = new GpuHarness();
        h.Prepare(GpuHarness.Rule());
        h.Host.Devices[Gpu].StuckUntilRemoved = true;
        var errors = h.Release();
        errors.ShouldHaveSingleItem().ShouldContain("0000:01:00.0");
        h.DriverOf(Gpu).ShouldBeNull();
        h.Host.Writes.Select(w => w.Path).ShouldNotContain("/sys/bus/pci/devices/0000:01:00.0/remove");
    }

    [Fact]
    public void RemoveRescanBringsAStuckCardBackToItsDriverTouchingOnlyItsOwnBus()
    {
        var host = AmdHost();
        // A function the user removed by hand on another bus: the recovery must not bring it back.
        var nvme = host.Devices["0000:02:00.0"];
        host.WriteText("/sys/bus/pci/devices/0000:02:00.0/remove", "1");
        using var h = new GpuHarness(host);
        h.Prepare(GpuHarness.Rule(resetMethod: "device_specific", recover: GpuRecovery.RemoveRescan));
        h.Host.Devices[Gpu].StuckUntilRemoved = true;
        h.Host.Writes.Clear();

        h.Release().ShouldBeEmpty();
        h.DriverOf(Gpu).ShouldBe("bochs-drm");
        h.DriverOf(Audio).ShouldBe("snd_hda_intel");
        h.Host.Devices[Gpu].Override.ShouldBeNull();
        // The new device starts from the kernel's default methods; the list found is written back after it.
        h.Host.Devices[Gpu].ResetMethodsInForce.ShouldBe("device_specific bus");
        h.Host.Writes.Select(w => w.Path).ShouldContain("/sys/bus/pci/devices/0000:01:00.0/remove");
        h.Host.Writes.Select(w => w.Path).ShouldContain("/sys/class/pci_bus/0000:01/rescan");
        h.Host.Writes.Select(w => w.Path).ShouldNotContain(PciRescanAll);
        h.Host.Removed.Keys.ShouldBe(["0000:02:00.0"]);
        h.Host.Devices.ContainsKey("0000:02:00.0").ShouldBeFalse();
        nvme.Driver.ShouldBeNull();
        h.Store.Load("vm").ShouldBeNull();
    }

    private const string PciRescanAll = "/sys/bus/pci/rescan";

    [Fact]
    public void ACardThatDoesNotComeBackFromTheRescanFailsTheReleaseNamingIt()
    {
        var pci = SimPciHost.Standard();
        using var h = new GpuHarness(pci, new RescanFindsNothing(pci));
        h.Prepare(GpuHarness.Rule(recover: GpuRecovery.RemoveRescan));
        pci.Devices[Gpu].StuckUntilRemoved = true;
        var error = h.Release().ShouldHaveSingleItem();
        error.ShouldContain("0000:01:00.0 did not come back within 0.1 s of the rescan (/sys/class/pci_bus/0000:01/rescan) after it was removed");
        // The record stays: hookctl status shows it, and the audio function (its own record) went home.
        h.Store.Load("vm").ShouldNotBeNull();
        h.DriverOf(Audio).ShouldBe("snd_hda_intel");
    }

    [Fact]
    public void TheDryRunShowsTheResetWritesAndTheRecovery()
    {
        using var h = new GpuHarness(AmdHost());
        var actions = h.Plan(GpuHarness.Rule(resetMethod: "device_specific", recover: GpuRecovery.RemoveRescan)).SelectMany(s => s.Actions).ToList();
        actions.ShouldContain("write \"device_specific\" to /sys/bus/pci/devices/0000:01:00.0/reset_method (now \"device_specific bus\")");
        actions.ShouldContain("at release: write \"device_specific bus\" back");
        actions.ShouldContain(a => a.StartsWith("at release, if it does not go back to bochs-drm: write 1 to /sys/bus/pci/devices/0000:01:00.0/remove, 1 to /sys/class/pci_bus/0000:01/rescan", StringComparison.Ordinal));
    }

    /// <summary>
    /// This machine's real PCI functions, read only (nothing here is ever written: they are the disk and the network):
    /// the reset methods and IDs read as the kernel's own files say, and a rule asking to choose one for a function
    /// without reset_method is refused from the real file's absence.
    /// </summary>
    [Fact]
    public void OnTheRealKernelResetMethodsAndIdsReadAsTheFilesSay()
    {
        var real = new HostFs("/");
        var functions = Directory.GetDirectories("/sys/bus/pci/devices").Select(Path.GetFileName).ToList();
        functions.ShouldNotBeEmpty();
        foreach (var name in functions)
        {
            var address = GpuHarness.Pci(name!);
            var file = $"/sys/bus/pci/devices/{name}/reset_method";
            PciSysfs.ResetMethods(real, address).ShouldBe(File.Exists(file) ? File.ReadAllText(file).Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries) : null);
            var ids = PciSysfs.Ids(real, address).ShouldNotBeNull();
            ids.Vendor.ShouldBe(Convert.ToUInt16(File.ReadAllText($"/sys/bus/pci/devices/{name}/vendor").Trim(), 16));
            ids.Device.ShouldBe(Convert.ToUInt16(File.ReadAllText($"/sys/bus/pci/devices/{name}/device").Trim(), 16));
            if (!File.Exists(file))
            {
                var device = new GpuDevice(address, "0", PciSysfs.Class(real, address), PciSysfs.Driver(real, address));
                Should.Throw<PlanException>(() => ResetMethodStep.Plan(device, "flr", real)).Message.ShouldContain($"{file} does not exist");
            }
        }
    }

    /// <summary>A bus rescan that finds nothing (the card stays off the bus until a power cycle).</summary>
    private sealed class RescanFindsNothing(SimPciHost pci) : IHostFs
    {
        public string Root => "/";

        public string Resolve(string absolutePath) => absolutePath;

        public bool Exists(string absolutePath) => pci.Exists(absolutePath);

        public string ReadText(string absolutePath) => pci.ReadText(absolutePath);

        public string? ReadLink(string absolutePath) => pci.ReadLink(absolutePath);

        public IReadOnlyList<string> ListDirectory(string absolutePath) => pci.ListDirectory(absolutePath);

        public void WriteText(string absolutePath, string value)
        {
            if (!absolutePath.EndsWith("/rescan", StringComparison.Ordinal))
            {
                pci.WriteText(absolutePath, value);
            }
        }
    }
}
