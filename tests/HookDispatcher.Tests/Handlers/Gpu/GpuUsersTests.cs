using System.Diagnostics;
using System.Runtime.InteropServices;
using HookDispatcher.Engine;
using HookDispatcher.Host;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Handlers.Gpu;

/// <summary>
/// An unbind that does not return (nvidia's remove() waits for every open /dev/nvidia*) is made by a child the hook
/// walks away from, and a single-GPU handover refuses to unbind while a process still holds the GPU's files.
/// </summary>
public sealed class GpuUsersTests
{
    /// <summary><see cref="SimPciHost"/> with processes in /proc: each pid's comm and the files its fds point at.</summary>
    private sealed class WithProcesses(SimPciHost pci, params (int Pid, string Comm, string Device)[] processes) : IHostFs
    {
        public string Root => "/";

        public string Resolve(string absolutePath) => absolutePath;

        public bool Exists(string absolutePath) => Proc(absolutePath) is { } p ? Read(p) is not null : pci.Exists(absolutePath);

        public string ReadText(string absolutePath) => Proc(absolutePath) is { } p
            ? Read(p) ?? throw new HostIoException("read", absolutePath, null, Errno.ENOENT)
            : pci.ReadText(absolutePath);

        public string? ReadLink(string absolutePath) => Proc(absolutePath) is [_, var pid, "fd", "3"]
            ? processes.Where(p => p.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture) == pid).Select(p => p.Device).FirstOrDefault()
            : Proc(absolutePath) is null ? pci.ReadLink(absolutePath) : null;

        public IReadOnlyList<string> ListDirectory(string absolutePath) => Proc(absolutePath) switch
        {
            ["proc"] => [.. processes.Select(p => p.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)), "irq", "self"],
            [_, _, "fd"] => ["3"],
            null => pci.ListDirectory(absolutePath),
            _ => throw new HostIoException("list", absolutePath, null, Errno.ENOENT),
        };

        public void WriteText(string absolutePath, string value) => pci.WriteText(absolutePath, value);

        private static string[]? Proc(string path) => path == "/proc" || path.StartsWith("/proc/", StringComparison.Ordinal) ? path[1..].Split('/') : null;

        private string? Read(string[] parts) => parts switch
        {
            ["proc"] => "",
            [_, var pid, "comm"] => processes.Where(p => $"{p.Pid}" == pid).Select(p => p.Comm + "\n").FirstOrDefault(),
            _ => null,
        };
    }

    /// <summary>Refuses to return from a write to a driver's unbind, as a remove() waiting for its users does.</summary>
    private sealed class StuckUnbind(IHostFs fs) : IDriverWrites
    {
        public List<string> Tried { get; } = [];

        public void Write(IHostFs ignored, string absolutePath, string value, TimeSpan timeout)
        {
            Tried.Add(absolutePath);
            if (absolutePath.EndsWith("/unbind", StringComparison.Ordinal) && absolutePath.Contains("/sys/bus/pci/drivers/", StringComparison.Ordinal)
                && !absolutePath.Contains("vfio-pci", StringComparison.Ordinal))
            {
                throw new TimeoutException($"{absolutePath} did not return");
            }
            fs.WriteText(absolutePath, value);
        }
    }

    [Fact]
    public void AnUnbindThatNeverReturnsFailsThePrepareNamingTheDeviceTheDriverAndWhoHoldsTheGpu()
    {
        var pci = SimPciHost.Standard();
        pci.Modules["vfio_pci"].Loaded = true;
        var fs = new WithProcesses(pci, (4242, "cuda-app", "/dev/nvidia0"), (77, "bash", "/dev/pts/0"));
        var writes = new StuckUnbind(pci);
        using var h = new GpuHarness(pci, fs, writes);
        var before = pci.Snapshot();

        var e = Should.Throw<StepFailedException>(() => h.Prepare(GpuHarness.Rule()));

        e.Message.ShouldBe("gpu.bind.0000:01:00.1: unbinding 0000:01:00.1 from snd_hda_intel did not return within 0.1 s " +
                           "(the driver waits for its users to let go): cuda-app (pid 4242) holds /dev/nvidia0; stop them and start the VM again");
        e.UndoFailures.ShouldBeEmpty();
        writes.Tried.ShouldBe(["/sys/bus/pci/drivers/snd_hda_intel/unbind"]);
        pci.Snapshot().ShouldBe(before);
        h.Store.Load("vm").ShouldBeNull();
    }

    [Fact]
    public void AStuckUnbindWithNoGpuUserSaysSoAndPointsAtTheKernelLog()
    {
        var pci = SimPciHost.Standard();
        pci.Modules["vfio_pci"].Loaded = true;
        using var h = new GpuHarness(pci, new WithProcesses(pci), new StuckUnbind(pci));
        Should.Throw<StepFailedException>(() => h.Prepare(GpuHarness.Rule())).Message
            .ShouldEndWith("no process holds /dev/nvidia* or /dev/dri/*; see the kernel log (journalctl -k)");
    }

    [Fact]
    public void AProcessStillHoldingTheGpuAfterTheHandoverStoppedItsUnitsFailsThePrepareBeforeAnyUnbind()
    {
        var pci = SimPciHost.SingleGpu();
        var fs = new WithProcesses(pci, (1234, "Xorg", "/dev/dri/card0"));
        using var h = new GpuHarness(pci, fs);
        h.Systemd.Running["display-manager.service"] = [];
        var before = pci.Snapshot();

        var e = Should.Throw<StepFailedException>(() => h.Prepare(GpuHarness.Rule(single: GpuHarness.Single(units: ["display-manager.service"], modules: ["bochs"]))));

        e.Message.ShouldBe("gpu.users: Xorg (pid 1234) holds /dev/dri/card0: the GPU's driver cannot let go while it is open; " +
                           "stop it (or list its unit in singleGpu.stopUnits or services.stop)");
        pci.Writes.ShouldBeEmpty(); // no console, framebuffer or PCI function was unbound
        pci.ModuleCalls.ShouldBeEmpty();
        h.Systemd.Calls.ShouldBe(["stop display-manager.service", "start display-manager.service"]);
        pci.Snapshot().ShouldBe(before);
    }

    [Fact]
    public void WithNoGpuUserLeftTheHandoverGoesOn()
    {
        using var h = new GpuHarness(SimPciHost.SingleGpu(), null);
        h.Systemd.Running["display-manager.service"] = [];
        h.Prepare(GpuHarness.Rule(single: GpuHarness.Single(units: ["display-manager.service"], modules: ["bochs"])));
        h.Store.Load("vm")!.Steps.Select(s => s.Id).ShouldContain("gpu.users");
        h.DriverOf("0000:01:00.0").ShouldBe("vfio-pci");
    }

    [Fact]
    public void TheChildWritesTheValueInOneWrite()
    {
        using var dir = new TempDir();
        var file = dir.Join("bind");
        File.WriteAllText(file, "");
        new ChildDriverWrites(HookProcess.Binary).Write(new HostFs(dir.Path), "/bind", "0000:01:00.0", TimeSpan.FromSeconds(10));
        File.ReadAllText(file).ShouldBe("0000:01:00.0");
    }

    [Fact]
    public void TheChildReportsTheKernelsErrno()
    {
        using var dir = new TempDir();
        var e = Should.Throw<HostIoException>(() =>
            new ChildDriverWrites(HookProcess.Binary).Write(new HostFs(dir.Path), "/sys/bus/pci/drivers/nvidia/unbind", "0000:01:00.0", TimeSpan.FromSeconds(10)));
        e.Errno.ShouldBe(Errno.ENOENT);
        e.Message.ShouldBe($"Cannot write '0000:01:00.0' to '{dir.Join("sys/bus/pci/drivers/nvidia/unbind")}': {Errno.Describe(Errno.ENOENT)}");
    }

    [Fact]
    public void AWriteThatNeverReturnsIsAbandonedInTimeAndItsChildKilled()
    {
        using var dir = new TempDir();
        var fifo = dir.Join("unbind");
        MkFifo(fifo, 0x180).ShouldBe(0); // opening a FIFO nobody reads blocks in open(2), like a remove() that waits
        var clock = Stopwatch.StartNew();
        Should.Throw<TimeoutException>(() =>
            new ChildDriverWrites(HookProcess.Binary).Write(new HostFs(dir.Path), "/unbind", "0000:01:00.0", TimeSpan.FromMilliseconds(500)));
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
        Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(p => p!.All(char.IsAsciiDigit))
            .Select(p => TryRead($"/proc/{p}/cmdline")).ShouldNotContain(c => c != null && c.Contains(fifo, StringComparison.Ordinal));
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MkFifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);
}
