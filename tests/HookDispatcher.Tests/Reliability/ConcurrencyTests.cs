using HookDispatcher.Engine;
using HookDispatcher.Tests.DBus;
using HookDispatcher.Tests.Support;
using HookDispatcher.Values;
using Shouldly;

namespace HookDispatcher.Tests.Reliability;

/// <summary>
/// Eight domains, each with hugepages and cpuIsolation, brought up (prepare, start, started) and down (stopped,
/// release) by separate hookctl processes at once, in seeded random orders, on one simulated host tree, state
/// directory and lock, with systemd as a fake peer on a private dbus-daemon. At every quiescent point the pool
/// holds exactly the running domains' pages and the units exactly the intersection of their host sets.
/// </summary>
public sealed class ConcurrencyTests(DBusDaemon bus) : IClassFixture<DBusDaemon>
{
    private const int Domains = 8;
    private const int Rounds = 3;
    private const int Pages = 16;

    [Fact]
    public void EightDomainsComingAndGoingConcurrentlyLoseNoPageAndLeaveNoCpuRestricted()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("RELIABILITY_SEED"), out var fixedSeed) ? fixedSeed : Random.Shared.Next();
        TestContext.Current.TestOutputHelper?.WriteLine($"seed {seed} (RELIABILITY_SEED={seed} repeats this run)");
        var rng = new Random(seed);
        using var peer = new SystemdPeer(bus.Address);
        using var host = new SimulatedHost(bus.Address);
        host.Write("sys/devices/system/cpu/online", "0-15\n");
        var names = Enumerable.Range(0, Domains).Select(i => $"c{i}").ToArray();
        for (var i = 0; i < Domains; i++)
        {
            host.Rule(names[i], $$"""{ "hugepages": { "pageSize": "2M", "count": {{Pages}} }, "cpuIsolation": { "hostCpus": "{{HostCpus(i)}}" } }""");
        }
        host.HookLink();
        var runs = 0;
        var checks = 0;

        void Check(IReadOnlyCollection<int> running, string when)
        {
            checks++;
            var context = $"seed {seed}, {when}, running [{string.Join(",", running.Order())}]";
            host.Read(SimulatedHost.Nr2M).Trim().ShouldBe((running.Count * Pages).ToString(System.Globalization.CultureInfo.InvariantCulture), context);
            var expected = running.Count == 0 ? null : running.Select(HostCpus).Aggregate((a, b) => a.Intersect(b));
            foreach (var unit in SystemdPeer.Slices)
            {
                peer.AllowedCpus(unit).ShouldBe(expected, $"{context}: {unit}");
            }
            // Every state file parses (no torn write), no temporary is left, and each running domain holds both steps.
            Directory.GetFiles(host.StateDir, ".*.tmp").ShouldBeEmpty(context);
            var ledger = Ledger.Load(new StateStore(host.StateDir));
            ledger.Unreadable.ShouldBeEmpty(context);
            var states = ledger.Domains;
            states.Select(s => s.Domain).Order().ShouldBe(running.Select(i => names[i]).Order(), context);
            states.ShouldAllBe(s => s.Steps.Count == 2 && s.Steps.All(r => r.Status == StepStatus.Done), context);
            peer.Failure.ShouldBeNull(context);
        }

        void Concurrently(IEnumerable<(int Domain, bool Up)> work)
        {
            var tasks = work.OrderBy(_ => rng.Next()).Select(w => (w.Domain, w.Up, Delay: rng.Next(0, 25))).ToList().Select(w => Task.Run(() =>
            {
                Thread.Sleep(w.Delay);
                (string Op, string Sub)[] events = w.Up ? [("prepare", "begin"), ("start", "begin"), ("started", "begin")] : [("stopped", "end"), ("release", "end")];
                foreach (var (op, sub) in events)
                {
                    var result = host.Hook(names[w.Domain], op, sub, SimulatedHost.DomainXml(names[w.Domain]));
                    Interlocked.Increment(ref runs);
                    (result.ExitCode, result.Stderr).ShouldBe((0, ""), $"seed {seed}: {names[w.Domain]} {op}");
                }
            })).ToArray();
            Task.WaitAll(tasks);
        }

        for (var round = 1; round <= Rounds; round++)
        {
            var all = Enumerable.Range(0, Domains).ToList();
            Concurrently(all.Select(d => (d, true)));
            Check(all, $"round {round}: all up");
            var half = all.OrderBy(_ => rng.Next()).Take(Domains / 2).ToList();
            var rest = all.Except(half).ToList();
            Concurrently(half.Select(d => (d, false)));
            Check(rest, $"round {round}: half down");
            Concurrently(rest.Select(d => (d, false)).Concat(half.Select(d => (d, true))));
            Check(half, $"round {round}: the other half down while the first came back");
            Concurrently(half.Select(d => (d, false)));
            Check([], $"round {round}: all down");
        }
        Figures.Record($"concurrency: seed {seed}, {Rounds} rounds, {Domains} domains, {runs} hook processes, {checks} quiescent checks, 0 lost or double-freed pages, 0 CPU sets wrong");
    }

    /// <summary>Domain i leaves the host every CPU of 0-15 but 8+i: all eight together leave 0-7.</summary>
    private static CpuSet HostCpus(int i) => CpuSet.Parse("0-15").Except(CpuSet.Of([8 + i]));
}
