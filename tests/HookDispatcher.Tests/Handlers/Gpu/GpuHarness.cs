using HookDispatcher.Domain;
using HookDispatcher.Engine;
using HookDispatcher.Handlers.Gpu;
using HookDispatcher.Handlers.Units;
using HookDispatcher.Host;
using HookDispatcher.Rules;
using HookDispatcher.Tests.Support;
using HookDispatcher.Values;

namespace HookDispatcher.Tests.Handlers.Gpu;

/// <summary>The gpu handler and the units handler on a simulated PCI host, with a real state directory.</summary>
internal sealed class GpuHarness : IDisposable
{
    private readonly TempDir _dir = new();

    /// <param name="fs">What the handler sees instead of <paramref name="host"/> (a wrapper that bends its behaviour).</param>
    /// <param name="writes">The driver-core writer (unbind, bind, probe); null: through <paramref name="fs"/>.</param>
    public GpuHarness(SimPciHost? host = null, IHostFs? fs = null, IDriverWrites? writes = null)
    {
        Host = host ?? SimPciHost.Standard();
        Fs = fs ?? Host;
        Store = new StateStore(_dir.Join("state"));
        Handlers = [new GpuHandler(Systemd, new GpuOptions(Host, Host, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(300), writes)), new StopUnitsHandler(Systemd)];
        Executor = new Executor(Fs, Store, Handlers, TimeSpan.FromSeconds(5));
    }

    public SimPciHost Host { get; }

    public IHostFs Fs { get; }

    public FakeSystemd Systemd { get; } = new();

    public StateStore Store { get; }

    public IReadOnlyList<IHandler> Handlers { get; }

    public Executor Executor { get; }

    public static GpuRule Rule(string[]? devices = null, bool fromXml = false, bool whole = true, SingleGpuRule? single = null, bool bindManaged = false,
        string? resetMethod = null, GpuRecovery recover = GpuRecovery.None) =>
        new((devices ?? ["0000:01:00.0"]).Select(Pci).ToList(), fromXml, whole, "vfio-pci", single, Stage.Prepare, bindManaged)
        {
            ResetMethod = resetMethod,
            Recover = recover,
        };

    public static SingleGpuRule Single(string[]? units = null, string[]? modules = null, bool consoles = true, bool framebuffer = true) =>
        new(units ?? [], consoles, framebuffer, modules ?? []);

    public static DomainInfo Domain(params (string Address, bool Managed)[] hostdevs) =>
        new("vm", null, 64UL << 20, [], false, null, CpuSet.Empty, hostdevs.Select(h => new HostdevPci(Pci(h.Address), h.Managed)).ToList());

    public IReadOnlyList<Step> Plan(GpuRule rule, DomainInfo? domain = null) =>
        new Planner(Handlers).Plan(new PlanContext(Stage.Prepare, new RuleSet(["vm.json"], rule, null, null, null), domain ?? Domain(), Fs));

    public void Prepare(GpuRule rule, DomainInfo? domain = null, string name = "vm") =>
        Executor.Apply(name, null, "prepare begin", Plan(rule, domain), undoStaleFirst: true, Fixtures.Log);

    public IReadOnlyList<string> Release(string name = "vm") => Executor.Release(name, Fixtures.Log);

    public static PciAddress Pci(string text) =>
        PciAddress.TryParse(text, out var address) ? address : throw new ArgumentException($"bad PCI address '{text}'");

    public string? DriverOf(string address) => Host.Devices[address].Driver;

    public void Dispose() => _dir.Dispose();
}
