using System.Text;
using HookDispatcher.Configuration;
using HookDispatcher.Engine;
using HookDispatcher.Hook;
using HookDispatcher.Tests.Support;

namespace HookDispatcher.Tests.Reliability;

/// <summary>
/// The hook in-process on a simulated host (<see cref="SimHostFs"/>, <see cref="FakeSystemd"/>), a real rules
/// directory and a real state directory, with every host operation routed through one <see cref="FaultPlan"/>.
/// The rule uses every handler that acts on the host through sysfs, procfs and systemd (the GPU with a single-GPU
/// handover: a unit, the consoles, a module; cpuIsolation with AllowedCPUs, IRQs (one of them managed: the kernel
/// refuses it) and the workqueue masks; the governor and preference of two CPUs; services, one of whose units the
/// handover stops too); the pool grants only half at first, so compaction runs too. Scripts (processes of their own)
/// and lookingGlass (files under /dev and the kvmfr module) have failure tests of their own.
/// </summary>
internal sealed class FaultWorld : IDisposable
{
    public const string Domain = "vm";

    public const string Rule = """
        {
          "gpu": {
            "devices": ["0000:01:00.0"],
            "singleGpu": { "stopUnits": ["display-manager.service"], "unloadModules": ["bochs"] }
          },
          "hugepages": { "pageSize": "2M", "count": 16, "attempts": 3 },
          "sleepInhibitor": true,
          "cpuIsolation": { "hostCpus": "0-3" },
          "cpuGovernor": { "cpus": "4-5", "epp": "performance" },
          "services": { "stop": ["syncthing.service", "display-manager.service"] }
        }
        """;

    private readonly TempDir _dir = new();

    public FaultWorld(int failAt)
    {
        Plan = new FaultPlan(failAt);
        var rules = _dir.Join("hooks.d");
        Directory.CreateDirectory(rules);
        File.WriteAllText(Path.Join(rules, Domain + ".json"), Rule);
        StateDir = _dir.Join("state");
        var config = new HookConfig(rules, StateDir, "/", "unix:path=" + _dir.Join("no-bus"), _dir.Join("no-journal"), TimeSpan.FromSeconds(5));
        var store = new StateStore(StateDir, path => Plan.Hit($"change state file {Path.GetFileName(path)}", message => new IOException(message)));
        Systemd.Running["display-manager.service"] = [];
        Systemd.Running["syncthing.service"] = [];
        var host = new RoutedHostFs(Fs, Pci);
        Services = new Services(config, Fixtures.Log, new FaultyHostFs(host, Plan), new FaultySystemd(Systemd, Plan), store,
            new FaultyModules(Pci, Plan));
    }

    public FaultPlan Plan { get; }

    public SimHostFs Fs { get; } = new SimHostFs(grantable: 8) { CompactGain = 8 }
        .WithIrqsAndWorkqueues(new Dictionary<int, string> { [24] = "0-7", [25] = "4-5", [26] = "0-7" }, managed: 26)
        .WithCpufreq(new Dictionary<int, string> { [4] = "powersave", [5] = "schedutil" }, "performance powersave schedutil", epp: "balance_performance");

    public FakeSystemd Systemd { get; } = new();

    public SimPciHost Pci { get; } = SimPciHost.Standard();

    public Services Services { get; }

    public string StateDir { get; }

    public string StateFile => Path.Join(StateDir, Domain + ".json");

    /// <summary>The simulated kernel files and systemd's units: equal strings mean an identical host.</summary>
    /// <remarks>vfio_pci is left out: the gpu handler loads it when missing and deliberately never unloads it, since
    /// another VM may be using it.</remarks>
    public string Host() => Fs.Snapshot() + "\n" + Systemd.Snapshot() + "\n"
        + string.Join('\n', Pci.Snapshot().Split('\n').Where(line => !line.StartsWith("module vfio_pci ", StringComparison.Ordinal)));

    /// <summary>Every state file's bytes (the lock files aside).</summary>
    public string State() => !Directory.Exists(StateDir) ? "" : string.Join("\n", Directory.GetFiles(StateDir)
        .Where(f => !Path.GetFileName(f).EndsWith(".lock", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)
        .Select(f => Path.GetFileName(f) + ":" + File.ReadAllText(f)));

    /// <summary>The step ids the state file says the domain holds.</summary>
    public IReadOnlyList<string> Held() => Services.Store.Load(Domain)?.Steps.Select(s => s.Id).ToList() ?? [];

    /// <summary>One hook event as libvirt sends it: exit code and stderr.</summary>
    public (int ExitCode, string Stderr) Hook(string operation, string subOperation)
    {
        var stderr = new StringWriter();
        var xml = SimulatedHost.DomainXml(Domain);
        var code = new HookRunner(Services, stderr).Run(new HookEvent(Domain, operation, subOperation, "-"),
            () => new MemoryStream(Encoding.UTF8.GetBytes(xml)));
        return (code, stderr.ToString());
    }

    public void Dispose() => _dir.Dispose();
}
