using HookDispatcher.Engine;
using HookDispatcher.Handlers.CpuIsolation;
using HookDispatcher.Host;
using HookDispatcher.Rules;
using HookDispatcher.Tests.Support;
using HookDispatcher.Values;
using Shouldly;

namespace HookDispatcher.Tests.Handlers;

/// <summary>
/// cpuIsolation's IRQ and workqueue steps on this machine's real kernel (root in a VM: /proc/irq and the workqueue
/// masks are real; here 2 CPUs, so the host keeps CPU 0 and the VM pins CPU 1). Every test snapshots every file it
/// may change and writes the snapshot back in a finally, so the host is restored even when an assertion fails.
/// </summary>
[Collection(RealKernel.Collection)]
public sealed class RealKernelIsolationTests
{
    private static readonly string[] Masks = [IrqAffinityStep.DefaultPath, WorkqueueMaskStep.GlobalMask, WorkqueueMaskStep.WritebackMask];

    [Fact]
    public void StartedMovesEveryMovableIrqAndTheWorkqueuesOffTheVmsCpuAndReleaseRestoresEveryFileByteForByte()
    {
        RequireRootWithTwoCpusAndIrqAffinity();
        WithHostRestored((fs, before) =>
        {
            using var world = new World(fs);
            world.Start("real", "1");
            var irqs = world.Record("real", IrqAffinityStep.KindName);
            var refused = irqs.As<IrqAffinityData>().Refused.ToHashSet();
            var movable = IrqAffinityStep.Irqs(fs).Where(irq => !refused.Contains(irq)).ToList();
            movable.ShouldNotBeEmpty();
            foreach (var irq in movable)
            {
                CpuSet.Parse(fs.ReadText(IrqAffinityStep.ListPath(irq))).Contains(1).ShouldBeFalse($"IRQ {irq} still may run on the VM's CPU 1");
            }
            foreach (var irq in refused)
            {
                // What the kernel said: this IRQ cannot be moved (managed), and it was left where it was.
                fs.ReadText(IrqAffinityStep.ListPath(irq)).ShouldBe(before[IrqAffinityStep.ListPath(irq)]);
            }
            foreach (var mask in Masks.Where(fs.Exists))
            {
                HexCpuMask.TryParse(fs.ReadText(mask), out var cpus).ShouldBeTrue(mask);
                cpus.ToString().ShouldBe("0", mask);
            }
            world.Release("real");
            Snapshot(fs).ShouldBe(before);
        });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TwoDomainsInterleavedInEitherOrderGiveTheIntersectionThenTheOriginalValues(bool releaseFirstStartedFirst)
    {
        RequireRootWithTwoCpusAndIrqAffinity();
        WithHostRestored((fs, before) =>
        {
            using var world = new World(fs);
            world.Start("wide", null, hostCpus: "0-1");
            world.Start("narrow", "1");
            ShouldAllBeOn(fs, world, "0");
            if (releaseFirstStartedFirst)
            {
                world.Release("wide");
                ShouldAllBeOn(fs, world, "0");
                world.Release("narrow");
            }
            else
            {
                world.Release("narrow");
                // Widened to what "wide" allows (0-1): the IRQs and masks read as before.
                Snapshot(fs).ShouldBe(before);
                world.Release("wide");
            }
            Snapshot(fs).ShouldBe(before);
        });
    }

    /// <summary>
    /// No device can be hot-plugged here, so a seam over /proc/irq hides one real, movable IRQ at the start and shows
    /// it after, as a device probed while the VM runs appears; the kernel would have given it the narrowed default
    /// mask, written here for real. Release must give it the default mask found before (the IRQ's own value too,
    /// since one whose affinity is the default mask is chosen).
    /// </summary>
    [Fact]
    public void AnIrqThatAppearsWhileTheVmRunsIsGivenTheDefaultMaskFoundBeforeAtRelease()
    {
        RequireRootWithTwoCpusAndIrqAffinity();
        WithHostRestored((real, before) =>
        {
            HexCpuMask.TryParse(real.ReadText(IrqAffinityStep.DefaultPath), out var defaultCpus).ShouldBeTrue();
            var irq = IrqAffinityStep.Irqs(real).FirstOrDefault(i => real.ReadText(IrqAffinityStep.ListPath(i)).Trim() == defaultCpus.ToString() && Movable(real, i), -1);
            if (irq < 0)
            {
                Assert.Skip($"no movable IRQ with the default affinity {defaultCpus}");
            }
            var fs = new HidingHostFs(real, $"{IrqAffinityStep.IrqDir}/{irq}");
            using var world = new World(fs);
            world.Start("real", "1");
            world.Record("real", IrqAffinityStep.KindName).As<IrqAffinityData>().Originals.ShouldNotContainKey(irq);
            fs.Hidden = false;
            real.WriteText(IrqAffinityStep.ListPath(irq), "0");
            world.Release("real");
            real.ReadText(IrqAffinityStep.ListPath(irq)).Trim().ShouldBe(defaultCpus.ToString());
            Snapshot(real).ShouldBe(before);
        });
    }

    /// <summary>Whether the kernel lets this IRQ move (a managed one answers EIO): tried and put back.</summary>
    private static bool Movable(IHostFs fs, int irq)
    {
        var path = IrqAffinityStep.ListPath(irq);
        var now = fs.ReadText(path).Trim();
        try
        {
            fs.WriteText(path, now);
            return true;
        }
        catch (HostIoException)
        {
            return false;
        }
    }

    private sealed class HidingHostFs(IHostFs inner, string hidden) : IHostFs
    {
        public bool Hidden { get; set; } = true;

        private bool IsHidden(string path) => Hidden && (path == hidden || path.StartsWith(hidden + "/", StringComparison.Ordinal));

        public string Root => inner.Root;

        public string Resolve(string absolutePath) => inner.Resolve(absolutePath);

        public bool Exists(string absolutePath) => !IsHidden(absolutePath) && inner.Exists(absolutePath);

        public string ReadText(string absolutePath) => IsHidden(absolutePath)
            ? throw new HostIoException("read", absolutePath, null, Errno.ENOENT)
            : inner.ReadText(absolutePath);

        public void WriteText(string absolutePath, string value)
        {
            if (IsHidden(absolutePath))
            {
                throw new HostIoException("write", absolutePath, value, Errno.ENOENT);
            }
            inner.WriteText(absolutePath, value);
        }

        public string? ReadLink(string absolutePath) => IsHidden(absolutePath) ? null : inner.ReadLink(absolutePath);

        public IReadOnlyList<string> ListDirectory(string absolutePath) =>
            inner.ListDirectory(absolutePath).Where(name => !IsHidden(absolutePath.TrimEnd('/') + "/" + name)).ToList();
    }

    private static void ShouldAllBeOn(IHostFs fs, World world, string cpus)
    {
        var refused = world.Record("narrow", IrqAffinityStep.KindName).As<IrqAffinityData>().Refused.ToHashSet();
        foreach (var irq in IrqAffinityStep.Irqs(fs).Where(irq => !refused.Contains(irq)))
        {
            fs.ReadText(IrqAffinityStep.ListPath(irq)).Trim().ShouldBe(cpus, $"IRQ {irq}");
        }
        foreach (var mask in Masks.Where(fs.Exists))
        {
            HexCpuMask.TryParse(fs.ReadText(mask), out var set).ShouldBeTrue();
            set.ToString().ShouldBe(cpus, mask);
        }
    }

    /// <summary>The executor with cpuIsolation on the real /proc and /sys (AllowedCPUs on a fake systemd).</summary>
    private sealed class World(IHostFs fs) : IDisposable
    {
        private readonly TempDir _dir = new();
        private readonly FakeSystemd _systemd = new();

        private StateStore Store => new(_dir.Join("state"));

        private List<IHandler> Handlers => [new CpuIsolationHandler(_systemd)];

        private Executor Executor => new(fs, Store, Handlers, TimeSpan.FromSeconds(5));

        public void Start(string domain, string? pins, string? hostCpus = null)
        {
            // Only the kernel files are real here: no units, so no cgroup v2 cpuset is needed (these machines run
            // the hybrid hierarchy, where AllowedCPUs would be refused).
            var rules = Fixtures.Rules(cpus: Fixtures.Cpus(hostCpus, units: []));
            var steps = new Planner(Handlers).Plan(new PlanContext(Stage.Started, rules, Fixtures.Domain(domain, pins: pins ?? ""), fs));
            steps.Select(s => s.Id).ShouldContain(IrqAffinityStep.KindName);
            Executor.Apply(domain, null, "started begin", steps, undoStaleFirst: false, Fixtures.Log);
        }

        public StepRecord Record(string domain, string kind) => Store.Load(domain)!.Steps.Single(s => s.Kind == kind);

        public void Release(string domain) => Executor.Release(domain, Fixtures.Log).ShouldBeEmpty();

        public void Dispose() => _dir.Dispose();
    }

    private static void RequireRootWithTwoCpusAndIrqAffinity()
    {
        if (LibC.GetEuid() != 0 || !File.Exists(IrqAffinityStep.DefaultPath) || !File.Exists(WorkqueueMaskStep.GlobalMask)
            || File.ReadAllText("/sys/devices/system/cpu/online").Trim() != "0-1")
        {
            Assert.Skip("needs root, /proc/irq, the workqueue cpumask and exactly CPUs 0-1 online");
        }
    }

    /// <summary>Every IRQ's affinity list and the three masks, as the kernel prints them.</summary>
    private static Dictionary<string, string> Snapshot(IHostFs fs) =>
        IrqAffinityStep.Irqs(fs).Select(IrqAffinityStep.ListPath).Concat(Masks.Where(fs.Exists)).ToDictionary(p => p, fs.ReadText);

    private static void WithHostRestored(Action<IHostFs, Dictionary<string, string>> test)
    {
        var fs = new HostFs("/");
        var before = Snapshot(fs);
        try
        {
            test(fs, before);
        }
        finally
        {
            foreach (var (path, value) in before.Where(f => fs.Exists(f.Key) && fs.ReadText(f.Key) != f.Value))
            {
                try
                {
                    fs.WriteText(path, value.Trim());
                }
                catch (HostIoException e)
                {
                    TestContext.Current.TestOutputHelper?.WriteLine($"could not restore {path}: {e.Message}");
                }
            }
        }
    }
}
