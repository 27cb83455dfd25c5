using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Cli;

/// <summary><c>./build.sh run</c>: a newcomer's first command shows every handler's writes, then doctor.</summary>
public sealed class MainJobTests
{
    [Fact]
    public void TheMainJobNamesEveryHandlerAndItsWritesThenRunsDoctor()
    {
        var result = HookProcess.Run("/bin/bash", [Path.Join(HookProcess.RepoRoot, "build.sh"), "main-job"]);
        result.ExitCode.ShouldBe(0, result.Stderr);
        var output = result.Stdout;
        output.ShouldContain("win11 prepare begin: 6 step(s) — dry run, nothing is changed");
        output.ShouldContain("1. services.stop: stop syncthing@alice.service");
        output.ShouldContain("cpuGovernor: set the cpufreq governor of CPUs 2-7 to performance");
        output.ShouldContain("write performance to /sys/devices/system/cpu/cpu2/cpufreq/scaling_governor (now powersave)");
        output.ShouldContain("hugepages:1048576kB: reserve 16 × 1048576kB hugepages in the global pool");
        output.ShouldContain("write 16 to /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages (now 0)");
        output.ShouldContain("sleepInhibitor: hold a logind 'sleep:idle' inhibitor (hookdispatcher-inhibit-win11.service)");
        output.ShouldContain("org.freedesktop.login1.Manager.Inhibit(\"sleep:idle\"");
        output.ShouldContain("gpu.bind.0000:01:00.0: bind 0000:01:00.0 (display controller, IOMMU group 12) to vfio-pci");
        output.ShouldContain("write 0000:01:00.0 to /sys/bus/pci/drivers/amdgpu/unbind");
        output.ShouldContain("gpu.bind.0000:01:00.1: bind 0000:01:00.1 (multimedia device, IOMMU group 12) to vfio-pci");
        output.ShouldContain("write 0000:01:00.1 to /sys/bus/pci/drivers/snd_hda_intel/unbind");
        output.ShouldContain("win11 started begin: 1 step(s)");
        output.ShouldContain("cpuIsolation: confine system.slice, user.slice, init.scope to CPUs 0");
        output.ShouldContain("SetUnitProperties(system.slice, runtime=true, AllowedCPUs=0 [ay 01]) (now: unknown: not asked (simulated host simhost)");
        output.ShouldContain("hookctl doctor win11 (on the simulated host):");
        output.ShouldContain("0000:01:00.1 multimedia device [0403], driver snd_hda_intel");
        output.ShouldContain("0 failed");
    }
}
