using CsCheck;
using HookDispatcher.Engine;
using HookDispatcher.Handlers.CpuGovernor;
using HookDispatcher.Handlers.CpuIsolation;
using HookDispatcher.Rules;
using HookDispatcher.Tests.Support;
using HookDispatcher.Values;
using Shouldly;

namespace HookDispatcher.Tests.Engine;

/// <summary>
/// Random interleavings of four domains' start (prepare + started), release, a kill in the middle of a start
/// (followed, as libvirt does, by release, or by the next start undoing what was left) and reconnect, on shared
/// hugepages, shared AllowedCPUs / IRQ / workqueue masks (overlapping pins) and shared cpufreq CPUs or policies: at every
/// quiescent point the host shows exactly what the running domains together hold, no release takes what another
/// holds, reconnect finds nothing to repair, and after the last release every file is as found.
/// </summary>
public sealed class InterleavingPropertyTests
{
    private static readonly string[] Pins = ["4-5", "5-6", "6-7", "2-3"];
    private static readonly long[] Pages = [4, 8, 2, 6];
    private static readonly Dictionary<int, string> Governors = new()
    {
        [0] = "powersave", [1] = "powersave", [2] = "schedutil", [3] = "powersave",
        [4] = "powersave", [5] = "schedutil", [6] = "powersave", [7] = "schedutil",
    };

    private static readonly CpuSet Online = CpuSet.Parse("0-7");

    /// <summary>Two cpufreq policies shared by the CPUs of a cluster each (0-3 and 4-7), as on many laptops.</summary>
    private static readonly Dictionary<int, (int[] Cpus, string Governor)> Policies = new()
    {
        [0] = ([0, 1, 2, 3], "powersave"),
        [4] = ([4, 5, 6, 7], "schedutil"),
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EveryInterleavingLeavesTheHostAsTheRunningDomainsHoldItAndTheLastReleaseAsFound(bool sharedPolicies) =>
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, 3], Gen.Int[1, 14], Gen.Bool).Array[1, 24]
            .Sample(ops => Run(ops, sharedPolicies), iter: 100);

    private static void Run((int Domain, int Op, int CrashAt, bool After)[] ops, bool sharedPolicies)
    {
        var fs = new SimHostFs().WithIrqsAndWorkqueues(new Dictionary<int, string> { [24] = "0-7", [25] = "0", [26] = "4-5" });
        using var h = new EngineHarness(sharedPolicies ? fs.WithCpufreqPolicies(Policies) : fs.WithCpufreq(Governors, "performance powersave schedutil"));
        var found = h.Fs.Snapshot();
        var up = new SortedSet<int>();
        var trace = new List<string>();
        foreach (var (d, op, crashAt, after) in ops)
        {
            switch (op)
            {
                case 0 when !up.Contains(d):
                    Start(h, d);
                    up.Add(d);
                    trace.Add($"start vm{d}");
                    break;
                case 1 when up.Contains(d):
                    h.Release(Name(d)).ShouldBeEmpty(string.Join(", ", trace));
                    up.Remove(d);
                    trace.Add($"release vm{d}");
                    break;
                case 2 when !up.Contains(d):
                    h.Fs.CrashAtWrite = h.Fs.WriteCount + crashAt;
                    h.Fs.CrashAfterWrite = after;
                    var killed = false;
                    try
                    {
                        Start(h, d);
                    }
                    catch (SimulatedCrash)
                    {
                        killed = true;
                    }
                    h.Fs.CrashAtWrite = null;
                    trace.Add($"start vm{d} killed at write +{crashAt}{(after ? " (after it)" : "")}: {killed}");
                    if (killed && after)
                    {
                        h.Release(Name(d)).ShouldBeEmpty(string.Join(", ", trace));
                        trace.Add($"release vm{d}");
                    }
                    else
                    {
                        // Not killed, or killed and started again: the next prepare undoes what the kill left.
                        if (killed)
                        {
                            Start(h, d);
                            trace.Add($"start vm{d}");
                        }
                        up.Add(d);
                    }
                    break;
                case 3 when up.Contains(d):
                    var findings = h.Executor.Reconcile(Name(d), Fixtures.Log);
                    findings.ShouldAllBe(f => f.Kind == FindingKind.Ok, string.Join(", ", trace));
                    trace.Add($"reconnect vm{d}");
                    break;
                default:
                    continue;
            }
            Check(h, up, string.Join(", ", trace));
        }
        foreach (var d in up.ToList())
        {
            h.Release(Name(d)).ShouldBeEmpty(string.Join(", ", trace));
            up.Remove(d);
            Check(h, up, string.Join(", ", trace) + $", release vm{d}");
        }
        h.Fs.Snapshot().ShouldBe(found, string.Join(", ", trace));
        h.Systemd.AllowedCpus.Values.ShouldAllBe(v => v == null, string.Join(", ", trace));
        (Directory.Exists(h.Store.Directory) ? Directory.GetFiles(h.Store.Directory, "*.json") : []).ShouldBeEmpty(string.Join(", ", trace));
    }

    private static void Start(EngineHarness h, int d)
    {
        var rules = Fixtures.Rules(hugepages: Fixtures.Hugepages((ulong)Pages[d]), governor: new CpuGovernorRule("performance", null, null, Stage.Prepare),
            cpus: Fixtures.Cpus());
        h.Run(Name(d), rules, Stage.Prepare, pins: Pins[d]);
        h.Run(Name(d), rules, Stage.Started, pins: Pins[d]);
    }

    /// <summary>The host as the running domains together hold it, nothing more and nothing less.</summary>
    private static void Check(EngineHarness h, IReadOnlyCollection<int> up, string trace)
    {
        h.Fs.Pages.ShouldBe(up.Sum(d => Pages[d]), trace);
        var host = up.Count == 0 ? null : up.Select(d => Online.Except(CpuSet.Parse(Pins[d]))).Aggregate((a, b) => a.Intersect(b));
        foreach (var unit in Fixtures.Cpus().Units)
        {
            h.Systemd.AllowedCpus.GetValueOrDefault(unit).ShouldBe(host, $"{unit}: {trace}");
        }
        h.Fs.ReadText(IrqAffinityStep.DefaultPath).Trim().ShouldBe(host is null ? "ff" : HexCpuMask.Format(host), trace);
        h.Fs.ReadText(WorkqueueMaskStep.GlobalMask).Trim().ShouldBe(host is null ? "ff" : HexCpuMask.Format(host), trace);
        foreach (var (cpu, original) in Governors)
        {
            // A CPU reads its policy's governor: tuned while any running domain has a CPU of that policy.
            var policy = Policies.Values.FirstOrDefault(p => p.Cpus.Contains(cpu) && h.Fs.ReadLink(Cpufreq.Dir(cpu)) is not null);
            var tuned = up.Any(d => CpuSet.Parse(Pins[d]).Cpus.Any(c => policy.Cpus is { } shared ? shared.Contains(c) : c == cpu));
            h.Fs.ReadText(Cpufreq.Governor(cpu)).Trim().ShouldBe(tuned ? "performance" : policy.Cpus is null ? original : policy.Governor, $"CPU {cpu}: {trace}");
        }
    }

    private static string Name(int d) => $"vm{d}";
}
