using HookDispatcher.Engine;
using HookDispatcher.Rules;
using HookDispatcher.Tests.Support;

namespace HookDispatcher.Tests.Engine;

/// <summary>The host and the events whose state file format1-vm.json is: one record of each EngineHarness kind.</summary>
internal static class Format1Harness
{
    public static EngineHarness Create() => new(new SimHostFs()
        .WithIrqsAndWorkqueues(new Dictionary<int, string> { [24] = "0-7", [25] = "0", [30] = "0-7" }, managed: 30)
        .WithCpufreq(new Dictionary<int, string> { [4] = "powersave", [5] = "schedutil" }, "performance powersave schedutil", "balance_performance"));

    public static void Run(EngineHarness h)
    {
        h.Run("vm", Fixtures.Rules(hugepages: Fixtures.Hugepages(16), inhibitor: Fixtures.Inhibitor(),
            governor: new CpuGovernorRule("performance", null, "performance", Stage.Prepare)), Stage.Prepare, pins: "4-5");
        h.Run("vm", Fixtures.Rules(cpus: Fixtures.Cpus()), Stage.Started, pins: "4-5");
    }
}
