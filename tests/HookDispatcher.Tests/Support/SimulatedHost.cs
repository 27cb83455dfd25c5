using System.Text.Json;

namespace HookDispatcher.Tests.Support;

/// <summary>
/// A host for the real binary: a copied /sys + /proc tree (hostRoot), a rules directory, a state directory and a
/// config file pointing at them, with a journald-protocol socket to catch log datagrams.
/// </summary>
internal sealed class SimulatedHost : IDisposable
{
    public const string Nr2M = "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages";

    private readonly TempDir _dir = new();

    /// <param name="systemBus">The D-Bus address the hook uses for systemd and logind (a private dbus-daemon).</param>
    public SimulatedHost(string? systemBus = null)
    {
        Directory.CreateDirectory(RulesDir);
        Write(Nr2M, "0\n");
        Write("sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "0\n");
        Write("proc/sys/vm/drop_caches", "0\n");
        Write("proc/sys/vm/compact_memory", "\n");
        Write("sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n");
        Write("proc/meminfo", "MemTotal:       4000000 kB\nHugepagesize:       2048 kB\n");
        var config = new Dictionary<string, string>
        {
            ["rulesDir"] = RulesDir,
            ["stateDir"] = StateDir,
            ["hostRoot"] = HostRoot,
            ["journalSocket"] = JournalSocket,
        };
        if (systemBus is not null)
        {
            config["systemBus"] = systemBus;
        }
        File.WriteAllText(ConfigPath, JsonSerializer.Serialize(config));
    }

    /// <summary>Sets a number in the config file (lockTimeoutSeconds), keeping the rest.</summary>
    public void ConfigNumber(string key, double value)
    {
        var config = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(File.ReadAllText(ConfigPath))!;
        config[key] = JsonSerializer.SerializeToElement(value);
        File.WriteAllText(ConfigPath, JsonSerializer.Serialize(config));
    }

    public string HostRoot => _dir.Join("root");

    public string RulesDir => _dir.Join("hooks.d");

    public string StateDir => _dir.Join("state");

    public string ConfigPath => _dir.Join("config.json");

    public string JournalSocket => _dir.Join("journal.socket");

    public string Path => _dir.Path;

    public Dictionary<string, string> Env => new() { ["HOOKDISPATCHER_CONFIG"] = ConfigPath };

    public void Write(string relative, string content)
    {
        var path = System.IO.Path.Join(HostRoot, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    /// <summary>
    /// NUMA nodes 0…<paramref name="nodes"/>−1 with empty 2 MiB pools, as hugetlbpage.rst lays them out
    /// (nr_hugepages, free_hugepages, surplus_hugepages per node) plus node/online.
    /// </summary>
    public SimulatedHost WithNumaNodes(int nodes)
    {
        for (var n = 0; n < nodes; n++)
        {
            foreach (var file in new[] { "nr_hugepages", "free_hugepages", "surplus_hugepages" })
            {
                Write($"sys/devices/system/node/node{n}/hugepages/hugepages-2048kB/{file}", "0\n");
            }
        }
        Write("sys/devices/system/node/online", $"0-{nodes - 1}\n");
        return this;
    }

    public string Read(string relative) => File.ReadAllText(System.IO.Path.Join(HostRoot, relative));

    public void Rule(string domain, string json) => File.WriteAllText(System.IO.Path.Join(RulesDir, domain + ".json"), json);

    public string StateFile(string domain) => System.IO.Path.Join(StateDir, domain + ".json");

    /// <summary>The hook as libvirt calls it: through a link named "qemu".</summary>
    public HookProcess.Result Hook(string domain, string op, string sub, string? xml = null, string extra = "-") =>
        HookProcess.Run(HookLink(), [domain, op, sub, extra], xml, Env);

    /// <summary>hooks/qemu → out/hookctl, created on first use (call it once before running hooks in parallel).</summary>
    public string HookLink()
    {
        var link = _dir.Join("hooks", "qemu");
        if (!File.Exists(link))
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(link)!);
            File.CreateSymbolicLink(link, HookProcess.Binary);
        }
        return link;
    }

    public HookProcess.Result Ctl(params string[] args) => HookProcess.Run(HookProcess.Binary, args, null, Env);

    /// <summary>Writes <see cref="DomainXml"/> for <paramref name="name"/> to <c>&lt;file&gt;.xml</c> here; returns its path.</summary>
    public string DomainXmlFile(string name, string? file = null)
    {
        var path = System.IO.Path.Join(Path, (file ?? name) + ".xml");
        File.WriteAllText(path, DomainXml(name));
        return path;
    }

    public static string DomainXml(string name, int memoryMiB = 64, bool hugepages = true) =>
        $"""
        <domain type='qemu'>
          <name>{name}</name>
          <uuid>6f1b1c2a-1d5e-4b8a-9a51-0c2f5d7e8a90</uuid>
          <memory unit='MiB'>{memoryMiB}</memory>
          {(hugepages ? "<memoryBacking><hugepages/></memoryBacking>" : "")}
          <vcpu>1</vcpu>
          <os><type arch='x86_64' machine='pc'>hvm</type></os>
        </domain>
        """;

    public void Dispose() => _dir.Dispose();
}
