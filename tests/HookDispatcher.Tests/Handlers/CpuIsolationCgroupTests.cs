using HookDispatcher.Doctor;
using HookDispatcher.Engine;
using HookDispatcher.Rules;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Handlers;

/// <summary>
/// AllowedCPUs is the cgroup v2 cpuset controller's: on a legacy or hybrid host systemd accepts it and ignores it,
/// so cpuIsolation with units is refused while planning, with the same words doctor uses. Host layouts as the
/// kernel's Documentation/admin-guide/cgroup-v2.rst and systemd's hybrid mode lay out /sys/fs/cgroup.
/// </summary>
public sealed class CpuIsolationCgroupTests
{
    public static TheoryData<string, string?, string> Hosts => new()
    {
        // Legacy v1: only per-controller hierarchies, no unified one anywhere.
        { "legacy", null, "this host is not on cgroup v2 (no /sys/fs/cgroup/cgroup.controllers)" },
        // Hybrid (systemd's default before v2 became usual): v1 controllers, an empty v2 at /sys/fs/cgroup/unified.
        { "hybrid", "", "this host runs the hybrid cgroup hierarchy (v1 controllers, v2 only at /sys/fs/cgroup/unified" },
        // v2 on a kernel without CONFIG_CPUSETS.
        { "v2 without cpuset", "cpu io memory pids\n", "the cgroup v2 hierarchy has no cpuset controller (/sys/fs/cgroup/cgroup.controllers: cpu io memory pids)" },
    };

    private static SimHostFs Host(string layout, string? controllers)
    {
        var fs = new SimHostFs();
        fs.Unset(CgroupCpusetPath);
        if (layout == "hybrid")
        {
            fs.Set("/sys/fs/cgroup/unified/cgroup.controllers", controllers!);
            fs.Set("/sys/fs/cgroup/cpuset/cpuset.cpus", "0-7\n");
        }
        else if (controllers is not null)
        {
            fs.Set(CgroupCpusetPath, controllers);
        }
        return fs;
    }

    private const string CgroupCpusetPath = "/sys/fs/cgroup/cgroup.controllers";

    [Theory]
    [MemberData(nameof(Hosts))]
    public void CpuIsolationWithUnitsIsRefusedWhereAllowedCpusWouldBeIgnored(string layout, string? controllers, string missing)
    {
        using var h = new EngineHarness(Host(layout, controllers));
        var e = Should.Throw<PlanException>(() => h.Run("a", Fixtures.Rules(cpus: Fixtures.Cpus()), Stage.Started, pins: "2-5"));
        e.Message.ShouldStartWith("cpuIsolation: " + missing);
        e.Message.ShouldContain("systemd.unified_cgroup_hierarchy=1");
        h.Systemd.Calls.ShouldBeEmpty();
        // doctor says the same, from the same function.
        HostChecks.Cgroup(h.Fs).Value.ShouldStartWith(missing);
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public void WithoutUnitsOnlyTheIrqsAndWorkqueuesMoveAndNeedNoCgroup(string layout, string? controllers, string missing)
    {
        _ = missing;
        var fs = Host(layout, controllers).WithIrqsAndWorkqueues(new Dictionary<int, string> { [24] = "0-7" });
        using var h = new EngineHarness(fs);
        var before = fs.Snapshot();
        h.Run("a", Fixtures.Rules(cpus: Fixtures.Cpus(units: [])), Stage.Started, pins: "2-5");
        fs.ReadText("/proc/irq/24/smp_affinity_list").Trim().ShouldBe("0-1,6-7");
        h.Systemd.Calls.ShouldBeEmpty();
        h.Release("a").ShouldBeEmpty();
        fs.Snapshot().ShouldBe(before);
    }
}
