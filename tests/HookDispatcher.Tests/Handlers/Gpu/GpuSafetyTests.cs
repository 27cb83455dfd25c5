using HookDispatcher.Engine;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Handlers.Gpu;

/// <summary>Every refusal comes from planning, with one line, before anything on the host changes.</summary>
public sealed class GpuSafetyTests
{
    private static string Refused(GpuHarness h, HookDispatcher.Rules.GpuRule rule)
    {
        var e = Should.Throw<PlanException>(() => h.Prepare(rule));
        h.Host.Writes.ShouldBeEmpty();
        h.Host.ModuleCalls.ShouldBeEmpty();
        h.Store.Load("vm").ShouldBeNull();
        e.Message.ShouldNotContain("\n");
        return e.Message;
    }

    [Fact]
    public void AnUnknownAddressIsRefused()
    {
        using var h = new GpuHarness();
        Refused(h, GpuHarness.Rule(["0000:01:00.0", "0000:0b:00.0"]))
            .ShouldBe("gpu: 0000:0b:00.0: no such PCI device (/sys/bus/pci/devices/0000:0b:00.0 does not exist)");
    }

    [Fact]
    public void ARuleWithNothingToBindIsRefused()
    {
        using var h = new GpuHarness();
        var e = Should.Throw<PlanException>(() => h.Prepare(GpuHarness.Rule(devices: [], fromXml: true)));
        e.Message.ShouldBe("gpu: no PCI device to bind: \"devices\" is empty and the domain XML has no <hostdev type='pci'>");
    }

    [Fact]
    public void TheBootGpuIsRefusedWithoutSingleGpu()
    {
        using var h = new GpuHarness();
        Refused(h, GpuHarness.Rule(["0000:00:02.0"]))
            .ShouldBe("gpu: 0000:00:02.0 is the boot GPU (boot_vga = 1) the host console runs on; add \"singleGpu\" to the rule to hand it over");
    }

    [Fact]
    public void TheBootGpuIsTakenWithSingleGpu()
    {
        using var h = new GpuHarness();
        h.Prepare(GpuHarness.Rule(["0000:00:02.0"], single: GpuHarness.Single()));
        h.DriverOf("0000:00:02.0").ShouldBe("vfio-pci");
    }

    [Fact]
    public void ABootGpuPulledInByItsGroupIsRefusedToo()
    {
        using var h = new GpuHarness();
        h.Host.Devices["0000:00:02.0"].Group = "5";
        Refused(h, GpuHarness.Rule()).ShouldContain("0000:00:02.0 is the boot GPU");
    }

    [Theory]
    [InlineData("0000:02:00.0", "a storage controller (class 0x010802) driven by nvme")]
    [InlineData("0000:03:00.0", "a network controller (class 0x020000) driven by e1000e")]
    public void AGroupHoldingADrivenStorageOrNetworkControllerIsRefused(string address, string what)
    {
        using var h = new GpuHarness();
        h.Host.Devices[address].Group = "5";
        Refused(h, GpuHarness.Rule())
            .ShouldBe($"gpu: IOMMU group 5 of 0000:01:00.0 also holds {address}, {what}; passing the group through would take it from the host");
    }

    [Theory]
    [InlineData("0000:00:14.0", 0x0c0330u, "xhci_hcd", "a USB controller (class 0x0c0330) driven by xhci_hcd")]
    [InlineData("0000:00:00.0", 0x060000u, "amd64_edac", "a host bridge (class 0x060000) driven by amd64_edac")]
    [InlineData("0000:00:1f.0", 0x060100u, "lpc_ich", "an ISA bridge (class 0x060100) driven by lpc_ich")]
    public void AGroupHoldingADrivenUsbControllerOrChipsetBridgeIsRefused(string address, uint cls, string driver, string what)
    {
        using var h = new GpuHarness();
        h.Host.AddModule(new SimPciHost.Module(driver, driver) { Loaded = true });
        h.Host.Add(new SimPciHost.Device(address, cls, "5", driver, driver));
        Refused(h, GpuHarness.Rule())
            .ShouldBe($"gpu: IOMMU group 5 of 0000:01:00.0 also holds {address}, {what}; passing the group through would take it from the host");
    }

    [Fact]
    public void TheGroupIsCheckedEvenWhenOnlyTheListedFunctionIsTaken()
    {
        using var h = new GpuHarness();
        h.Host.Devices["0000:02:00.0"].Group = "5";
        Refused(h, GpuHarness.Rule(whole: false)).ShouldContain("also holds 0000:02:00.0");
    }

    [Fact]
    public void AnUndrivenStorageControllerInTheGroupGoesWithIt()
    {
        using var h = new GpuHarness();
        var nvme = h.Host.Devices["0000:02:00.0"];
        nvme.Group = "5";
        nvme.Driver = null;
        h.Prepare(GpuHarness.Rule());
        nvme.Driver.ShouldBe("vfio-pci");
    }

    [Fact]
    public void ABridgeListedOnItsOwnIsRefused()
    {
        using var h = new GpuHarness();
        Refused(h, GpuHarness.Rule(["0000:00:1c.0"])).ShouldBe("gpu: 0000:00:1c.0 is a PCI bridge (class 0x060400); bridges stay with the host");
    }

    [Fact]
    public void ADeviceWithoutIommuGroupIsRefused()
    {
        using var h = new GpuHarness();
        h.Host.Devices["0000:01:00.0"].Group = "";
        Refused(h, GpuHarness.Rule(whole: false)).ShouldStartWith("gpu: 0000:01:00.0 has no IOMMU group (is the IOMMU on?");
    }

    [Fact]
    public void PlannerStillRefusesSectionsNoHandlerImplements()
    {
        var rules = new HookDispatcher.Rules.RuleSet(["vm.json"], GpuHarness.Rule(), Fixtures.Hugepages(), null, null);
        using var h = new GpuHarness();
        var e = Should.Throw<PlanException>(() => new Planner(h.Handlers).Plan(new PlanContext(HookDispatcher.Rules.Stage.Prepare, rules, GpuHarness.Domain(), h.Host)));
        e.Message.ShouldBe("hugepages: this version of hookdispatcher does not implement the \"hugepages\" section yet; remove it from the rules");
    }
}
