using HookDispatcher.Engine;
using HookDispatcher.Host;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Handlers.Gpu;

/// <summary>A failure at any point of prepare leaves the simulated host exactly as it was found.</summary>
public sealed class GpuRollbackTests
{
    private static HookDispatcher.Rules.GpuRule SingleGpuRule() =>
        GpuHarness.Rule(single: GpuHarness.Single(units: ["display-manager.service"], modules: ["bochs"]));

    [Fact]
    public void EveryFailingWriteIsRolledBackToTheHostAsFound()
    {
        int writes;
        using (var h = new GpuHarness(SimPciHost.SingleGpu()))
        {
            h.Prepare(SingleGpuRule());
            writes = h.Host.Writes.Count;
        }
        writes.ShouldBeGreaterThan(6);
        for (var n = 0; n < writes; n++)
        {
            using var h = new GpuHarness(SimPciHost.SingleGpu());
            h.Systemd.Running["display-manager.service"] = [];
            var before = h.Host.Snapshot();
            h.Host.FailWriteNumber = n;
            var e = Should.Throw<StepFailedException>(() => h.Prepare(SingleGpuRule()), $"write #{n}");
            e.UndoFailures.ShouldBeEmpty($"write #{n}");
            h.Host.Snapshot().ShouldBe(before, $"write #{n} failed: {e.Message}");
            h.Systemd.IsActive("display-manager.service").ShouldBeTrue($"write #{n}: the display manager runs again, as found");
            h.Systemd.Calls.ShouldContain("start display-manager.service", $"write #{n}");
            h.Store.Load("vm").ShouldBeNull();
        }
    }

    [Theory]
    [InlineData(Errno.ENODEV)]
    [InlineData(Errno.EBUSY)]
    public void ADriverThatRefusesTheDeviceFailsWithTheKernelsErrnoAndRollsBack(int errno)
    {
        using var h = new GpuHarness();
        h.Host.Modules["vfio_pci"].Loaded = true;
        h.Host.Devices["0000:01:00.0"].Refuses = ("vfio-pci", errno);
        var before = h.Host.Snapshot();
        var e = Should.Throw<StepFailedException>(() => h.Prepare(GpuHarness.Rule()));
        e.Message.ShouldBe($"gpu.bind.0000:01:00.0: Cannot write '0000:01:00.0' to '/sys/bus/pci/drivers/vfio-pci/bind': {Errno.Describe(errno)}");
        h.Host.Snapshot().ShouldBe(before);
    }

    [Fact]
    public void ABindThatDoesNotStickFailsTheVerification()
    {
        var sim = SimPciHost.Standard();
        using var h = new GpuHarness(sim, new BindIgnoringHost(sim));
        h.Host.Modules["vfio_pci"].Loaded = true;
        var before = h.Host.Snapshot();
        var e = Should.Throw<StepFailedException>(() => h.Prepare(GpuHarness.Rule(whole: false)));
        e.Message.ShouldBe("gpu.bind.0000:01:00.0: 0000:01:00.0 is on no driver after binding it to vfio-pci");
        h.Host.Snapshot().ShouldBe(before);
    }

    [Fact]
    public void TheKernelAnswersLikeTheRealOneToMisdirectedWrites()
    {
        var host = SimPciHost.Standard();
        Should.Throw<HostIoException>(() => host.WriteText("/sys/bus/pci/drivers/bochs-drm/unbind", "0000:01:00.1")).Errno.ShouldBe(Errno.ENODEV);
        Should.Throw<HostIoException>(() => host.WriteText("/sys/bus/pci/drivers/bochs-drm/bind", "0000:01:00.0")).Errno.ShouldBe(Errno.EBUSY);
        host.WriteText("/sys/bus/pci/drivers/bochs-drm/unbind", "0000:01:00.0");
        Should.Throw<HostIoException>(() => host.WriteText("/sys/bus/pci/drivers/bochs-drm/unbind", "0000:01:00.0")).Errno.ShouldBe(Errno.ENODEV);
        Should.Throw<HostIoException>(() => host.WriteText("/sys/bus/pci/drivers/vfio-pci/bind", "0000:01:00.0")).Errno.ShouldBe(Errno.ENOENT);
        host.Load("vfio-pci");
        // vfio-pci has no id table: without driver_override it matches nothing.
        Should.Throw<HostIoException>(() => host.WriteText("/sys/bus/pci/drivers/vfio-pci/bind", "0000:01:00.0")).Errno.ShouldBe(Errno.ENODEV);
        host.WriteText("/sys/bus/pci/devices/0000:01:00.0/driver_override", "vfio-pci");
        Should.Throw<HostIoException>(() => host.WriteText("/sys/bus/pci/drivers/bochs-drm/bind", "0000:01:00.0")).Errno.ShouldBe(Errno.ENODEV);
        Should.Throw<HostIoException>(() => host.WriteText("/sys/bus/pci/devices/0000:01:00.0/driver_override", "")).Errno.ShouldBe(Errno.EINVAL);
        host.WriteText("/sys/bus/pci/drivers_probe", "0000:01:00.0");
        host.Devices["0000:01:00.0"].Driver.ShouldBe("vfio-pci");
    }

    /// <summary>A kernel that accepts the bind write but leaves the device unbound (an asynchronous probe that fails).</summary>
    private sealed class BindIgnoringHost(SimPciHost inner) : IHostFs
    {
        private readonly SimPciHost _inner = inner;

        public string Root => "/";

        public string Resolve(string absolutePath) => absolutePath;

        public bool Exists(string absolutePath) => _inner.Exists(absolutePath);

        public string ReadText(string absolutePath) => _inner.ReadText(absolutePath);

        public string? ReadLink(string absolutePath) => _inner.ReadLink(absolutePath);

        public IReadOnlyList<string> ListDirectory(string absolutePath) => _inner.ListDirectory(absolutePath);

        public void WriteText(string absolutePath, string value)
        {
            if (absolutePath != "/sys/bus/pci/drivers/vfio-pci/bind")
            {
                _inner.WriteText(absolutePath, value);
            }
        }
    }
}
