using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using HookDispatcher.Tests.DBus;
using HookDispatcher.Tests.Reliability;
using HookDispatcher.Tests.Support;

namespace HookDispatcher.Tests.Bench;

/// <summary>
/// What a prepare + release with cpuIsolation and sleepInhibitor costs against a real dbus-daemon and the fake
/// systemd/logind peer, for one or more hookctl binaries run interleaved (round after round, each binary once), so
/// the load of a shared machine lands on all alike. Run by bench/dbus.sh; skipped unless HOOKDISPATCHER_BENCH_DBUS is
/// set. Wall time is fork..exit as seen from here; CPU time is the child's user + sys (getrusage RUSAGE_CHILDREN).
/// </summary>
public sealed class DBusCostBench
{
    private const string Rule = """{ "cpuIsolation": { "hostCpus": "0-3" }, "sleepInhibitor": true }""";

    [Fact]
    public void PrepareAndReleaseWithCpuIsolationAndSleepInhibitor()
    {
        if (Environment.GetEnvironmentVariable("HOOKDISPATCHER_BENCH_DBUS") is null)
        {
            Assert.Skip("a benchmark: run bench/dbus.sh");
        }
        var binaries = (Environment.GetEnvironmentVariable("BENCH_BINARIES") ?? "hookctl=" + HookProcess.Binary)
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .Select(pair => (Label: pair[0], Path: Path.GetFullPath(pair[1])))
            .ToList();
        var rounds = int.Parse(Environment.GetEnvironmentVariable("BENCH_ROUNDS") ?? "100", CultureInfo.InvariantCulture);
        var warmup = int.Parse(Environment.GetEnvironmentVariable("BENCH_WARMUP") ?? "10", CultureInfo.InvariantCulture);

        using var bus = new DBusDaemon();
        using var peer = new SystemdPeer(bus.Address);
        var hosts = binaries.Select(b => Host(bus.Address, b.Path)).ToList();
        var samples = binaries.Select(_ => new List<(double Wall, double Cpu)>()).ToList();
        try
        {
            for (var round = 0; round < warmup + rounds; round++)
            {
                for (var i = 0; i < binaries.Count; i++)
                {
                    var sample = Once(hosts[i].Host, hosts[i].Link, peer);
                    if (round >= warmup)
                    {
                        samples[i].Add(sample);
                    }
                }
            }
        }
        finally
        {
            hosts.ForEach(h => h.Host.Dispose());
        }
        var report = Report(binaries.Select(b => b.Label).ToList(), samples, rounds, warmup);
        var output = Environment.GetEnvironmentVariable("BENCH_OUT");
        if (output is not null)
        {
            File.WriteAllText(output, report);
        }
        TestContext.Current.TestOutputHelper?.WriteLine(report);
    }

    private static (SimulatedHost Host, string Link) Host(string bus, string binary)
    {
        var host = new SimulatedHost(bus);
        host.Write("sys/devices/system/cpu/online", "0-7\n");
        host.Rule("vm", Rule);
        var link = Path.Join(host.Path, "hooks", "qemu");
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        File.CreateSymbolicLink(link, binary);
        return (host, link);
    }

    /// <summary>One prepare then one release; both must succeed and leave systemd as found.</summary>
    private static (double Wall, double Cpu) Once(SimulatedHost host, string link, SystemdPeer peer)
    {
        var before = peer.Snapshot();
        var cpu = ChildCpu();
        var clock = Stopwatch.StartNew();
        var prepare = Hook(link, ["vm", "prepare", "begin", "-"], host);
        var release = Hook(link, ["vm", "release", "end", "-"], host);
        var wall = clock.Elapsed.TotalMilliseconds;
        cpu = ChildCpu() - cpu;
        if (prepare.ExitCode != 0 || release.ExitCode != 0 || peer.Snapshot() != before || File.Exists(host.StateFile("vm")))
        {
            throw new InvalidOperationException($"prepare {prepare.ExitCode}: {prepare.Stderr}; release {release.ExitCode}: {release.Stderr}; systemd {peer.Snapshot()}");
        }
        return (wall, cpu);
    }

    /// <summary>The hook through its "qemu" link; BENCH_WRAP (e.g. "perf stat -x, -o FILE --append") goes in front.</summary>
    private static HookProcess.Result Hook(string link, string[] args, SimulatedHost host)
    {
        var wrap = Environment.GetEnvironmentVariable("BENCH_WRAP")?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        var xml = SimulatedHost.DomainXml("vm", hugepages: false);
        return wrap.Length == 0
            ? HookProcess.Run(link, args, xml, host.Env)
            : HookProcess.Run(wrap[0], [.. wrap[1..], link, .. args], xml, host.Env);
    }

    private static string Report(List<string> labels, List<List<(double Wall, double Cpu)>> samples, int rounds, int warmup)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"prepare + release with cpuIsolation and sleepInhibitor against dbus-daemon and the fake systemd/logind peer");
        text.AppendLine(CultureInfo.InvariantCulture, $"{rounds} rounds (+{warmup} warm-up), binaries interleaved; times in ms per pair (two hook processes)");
        text.AppendLine("binary            wall med  wall mean   wall p90   cpu med   cpu mean   ratio (wall med, cpu med)");
        var first = samples[0];
        for (var i = 0; i < labels.Count; i++)
        {
            var wall = samples[i].Select(s => s.Wall).Order().ToList();
            var cpu = samples[i].Select(s => s.Cpu).Order().ToList();
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{labels[i],-16} {Median(wall),9:0.00} {wall.Average(),10:0.00} {wall[(int)(wall.Count * 0.9)],10:0.00} {Median(cpu),9:0.00} {cpu.Average(),10:0.00}   {Median(wall) / Median(first.Select(s => s.Wall).Order().ToList()),5:0.00}x {Median(cpu) / Median(first.Select(s => s.Cpu).Order().ToList()),5:0.00}x");
        }
        return text.ToString();
    }

    private static double Median(List<double> sorted) => sorted.Count % 2 == 1
        ? sorted[sorted.Count / 2]
        : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;

    /// <summary>User + system CPU milliseconds of every child this process has waited for.</summary>
    private static double ChildCpu()
    {
        if (GetRUsage(-1, out var usage) != 0)
        {
            throw new InvalidOperationException("getrusage(RUSAGE_CHILDREN) failed");
        }
        return (usage.UserSeconds + usage.SystemSeconds) * 1000.0 + (usage.UserMicroseconds + usage.SystemMicroseconds) / 1000.0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
        private readonly long _rest0, _rest1, _rest2, _rest3, _rest4, _rest5, _rest6, _rest7, _rest8, _rest9, _rest10, _rest11, _rest12, _rest13;
    }

    // DllImport: the test project does not allow unsafe code, which LibraryImport's generated stub needs.
    [DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetRUsage(int who, out RUsage usage);
}
