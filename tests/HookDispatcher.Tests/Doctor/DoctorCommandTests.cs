using System.Text.Json;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Doctor;

public sealed class DoctorCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    private static string Line(string output, string check) =>
        output.Split('\n').FirstOrDefault(l => l.Contains(check, StringComparison.Ordinal)) ?? $"(no line with '{check}')";

    [Fact]
    public void TheShippedSimulatedHostPassesWithTheGpuGroupListedMemberByMember()
    {
        using var host = new SimHostCopy();
        var (code, output, error) = Run("--config", host.ConfigPath, "doctor", "win11");
        code.ShouldBe(0, output + error);
        Line(output, "IOMMU:").ShouldContain("ok   IOMMU: Intel VT-d on, 3 group(s), mode passthrough (iommu=pt)");
        Line(output, "vfio-pci:").ShouldContain("ok");
        Line(output, "cgroup:").ShouldContain("ok   cgroup: v2 with cpuset");
        Line(output, "systemd:").ShouldContain("ok   systemd: 252");
        Line(output, "logind:").ShouldContain("ok");
        Line(output, "hugepages 1 GiB:").ShouldContain("about 26 more could likely be reserved now");
        Line(output, "PCI 0000:01:00.0").ShouldContain("ok   PCI 0000:01:00.0: IOMMU group 12: 2 member(s)");
        output.ShouldContain("0000:01:00.0 display controller [0300], driver amdgpu");
        output.ShouldContain("0000:01:00.1 multimedia device [0403], driver snd_hda_intel");
        Line(output, "memoryBacking:").ShouldContain("ok");
        Line(output, "pins:").ShouldContain("ok   pins: the domain pins 1-7");
        Line(output, "hook:").ShouldContain("ok   hook: ");
        Line(output, "hook:").ShouldContain("etc/libvirt/hooks/qemu, executable");
    }

    [Fact]
    public void JsonCarriesEveryCheckWithAreaNameStatusValueAndFix()
    {
        using var host = new SimHostCopy();
        var (code, output, _) = Run("--config", host.ConfigPath, "doctor", "win11", "--json");
        code.ShouldBe(0);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        root.GetProperty("ok").GetBoolean().ShouldBeTrue();
        root.GetProperty("failures").GetInt32().ShouldBe(0);
        var checks = root.GetProperty("checks").EnumerateArray().ToList();
        checks.ShouldAllBe(c => c.GetProperty("area").GetString()!.Length > 0 && c.GetProperty("name").GetString()!.Length > 0
            && c.GetProperty("value").GetString()!.Length > 0);
        checks.Select(c => c.GetProperty("status").GetString()).Distinct().ShouldBeSubsetOf(["ok", "warn", "fail"]);
        checks.Where(c => c.GetProperty("status").GetString() != "ok").ShouldAllBe(c => c.GetProperty("fix").GetString()!.Length > 0);
        var group = checks.Single(c => c.GetProperty("name").GetString() == "PCI 0000:01:00.0");
        group.GetProperty("area").GetString().ShouldBe("domain win11");
        group.GetProperty("details").EnumerateArray().Select(d => d.GetString()).ShouldBe(
            ["0000:01:00.0 display controller [0300], driver amdgpu", "0000:01:00.1 multimedia device [0403], driver snd_hda_intel"]);
    }

    [Fact]
    public void HugepagesForADomainWithoutMemoryBackingFailWithExit1()
    {
        using var host = new SimHostCopy();
        var xml = File.ReadAllText(host.Xml);
        var start = xml.IndexOf("<memoryBacking>", StringComparison.Ordinal);
        var end = xml.IndexOf("</memoryBacking>", StringComparison.Ordinal) + "</memoryBacking>".Length;
        var bare = Path.Join(host.Root, "bare.xml");
        File.WriteAllText(bare, xml[..start] + xml[end..]);
        var (code, output, _) = Run("--config", host.ConfigPath, "doctor", "win11", "--xml", bare);
        code.ShouldBe(1);
        Line(output, "memoryBacking:").ShouldContain("fail memoryBacking: the rule reserves hugepages but the XML has no <memoryBacking><hugepages/>");
        output.ShouldContain("→ add <memoryBacking><hugepages/></memoryBacking>");
    }

    /// <summary>libvirtd as pid 4242, started 10 s (1000 ticks) after <paramref name="bootTime"/> (Unix seconds).</summary>
    private static void LibvirtdStarted(SimHostCopy host, long bootTime)
    {
        host.Write("proc/4242/comm", "libvirtd\n");
        host.Write("proc/4242/stat", "4242 (libvirtd) S 1 4242 4242 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 17 0 1000 1 1 18446744073709551615\n");
        host.Write("proc/stat", $"cpu  1 2 3\nbtime {bootTime}\n");
    }

    [Fact]
    public void ADaemonStartedBeforeTheHookChangedMustBeRestarted()
    {
        using var host = new SimHostCopy();
        // libvirtd started 10 s after a boot in 2001: long before the hook file was written by this test.
        LibvirtdStarted(host, bootTime: 1000000000);
        var (_, output, _) = Run("--config", host.ConfigPath, "doctor", "win11");
        Line(output, "libvirt daemon:").ShouldContain("warn libvirt daemon: libvirtd (pid 4242) started 2001-09-09 01:46:50Z, before the hook was put in place");
        output.ShouldContain("→ restart it: systemctl restart libvirtd");

        // Started after the hook appeared: fine.
        LibvirtdStarted(host, bootTime: 4000000000);
        Line(Run("--config", host.ConfigPath, "doctor", "win11").Out, "libvirt daemon:").ShouldContain("ok   libvirt daemon: libvirtd (pid 4242)");
    }

    /// <summary>
    /// libvirt finds the hook at start and execs the path each time: a new binary behind a hook link that was there
    /// when the daemon started (an upgrade) is run at once, while a link made since (even with an old mtime) is not.
    /// </summary>
    [Fact]
    public void OnlyAHookPutInPlaceAfterTheDaemonStartedNeedsARestart()
    {
        using var host = new SimHostCopy();
        var hook = host.Join("etc/libvirt/hooks/qemu");
        var binary = host.Join("usr/local/bin/hookctl");
        Directory.CreateDirectory(Path.GetDirectoryName(binary)!);
        File.Move(hook, binary);
        File.CreateSymbolicLink(hook, binary);
        // libvirtd started 10 s after this boot time, i.e. just after the link was made.
        var boot = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        LibvirtdStarted(host, boot);

        // The binary behind the link is replaced an hour "later": libvirtd runs the new one; no restart.
        File.SetLastWriteTimeUtc(binary, DateTime.UtcNow.AddHours(1));
        Line(Run("--config", host.ConfigPath, "doctor", "win11").Out, "libvirt daemon:").ShouldContain("ok   libvirt daemon: libvirtd (pid 4242)");

        // libvirtd started before the link was made; modification times set back (as cp -p or touch would) do not hide it.
        LibvirtdStarted(host, boot - 3600);
        File.SetLastWriteTimeUtc(hook, new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var output = Run("--config", host.ConfigPath, "doctor", "win11").Out;
        Line(output, "libvirt daemon:").ShouldContain(", before the hook was put in place (");
    }

    [Fact]
    public void AForeignGroupMemberIsNamedAndTheBootGpuNeedsSingleGpu()
    {
        using var host = new SimHostCopy();
        // Move the boot iGPU into the passthrough GPU's group.
        File.Delete(host.Join("sys/bus/pci/devices/0000:00:02.0/iommu_group"));
        host.Link("sys/bus/pci/devices/0000:00:02.0/iommu_group", "../../../../kernel/iommu_groups/12");
        host.Link("sys/kernel/iommu_groups/12/devices/0000:00:02.0", "../../../../bus/pci/devices/0000:00:02.0");
        File.WriteAllText(Path.Join(host.RulesDir, "win11.json"), """{ "gpu": { "fromDomainXml": true, "wholeIommuGroup": false } }""");
        var (code, output, _) = Run("--config", host.ConfigPath, "doctor", "win11");
        code.ShouldBe(1);
        Line(output, "PCI 0000:01:00.0").ShouldContain("fail PCI 0000:01:00.0: IOMMU group 12: 3 member(s), 0000:00:02.0 is the boot GPU");
        output.ShouldContain("0000:00:02.0 display controller [0300], driver i915, boot GPU");
    }

    /// <summary>A USB controller the host drives in the GPU's group: doctor fails it with prepare's own refusal.</summary>
    [Fact]
    public void AHostDrivenUsbControllerInTheGroupFailsAsPrepareWouldRefuseIt()
    {
        using var host = new SimHostCopy();
        host.Write("sys/bus/pci/devices/0000:02:00.0/class", "0x0c0330\n");
        host.Link("sys/bus/pci/devices/0000:02:00.0/driver", "../../../../bus/pci/drivers/xhci_hcd");
        host.Link("sys/bus/pci/devices/0000:02:00.0/iommu_group", "../../../../kernel/iommu_groups/12");
        host.Link("sys/kernel/iommu_groups/12/devices/0000:02:00.0", "../../../../bus/pci/devices/0000:02:00.0");
        Directory.CreateDirectory(host.Join("sys/bus/pci/drivers/xhci_hcd"));
        const string Refusal = "IOMMU group 12 of 0000:01:00.0 also holds 0000:02:00.0, a USB controller (class 0x0c0330) driven by xhci_hcd; passing the group through would take it from the host";

        var (code, output, _) = Run("--config", host.ConfigPath, "doctor", "win11");
        code.ShouldBe(1);
        Line(output, "PCI 0000:01:00.0").ShouldBe($"  fail PCI 0000:01:00.0: IOMMU group 12: 3 member(s): {Refusal}");
        Run("--config", host.ConfigPath, "test", "win11", "prepare", "--xml", host.Xml).Err.ShouldContain(Refusal);
    }

    [Fact]
    public void EachGpuFunctionsResetMethodsAreShownAndAnAmdCardThatNeedsVendorResetIsNamed()
    {
        using var host = new SimHostCopy();
        Line(Run("--config", host.ConfigPath, "doctor", "win11").Out, "reset 0000:01:00.0").ShouldBe("  ok   reset 0000:01:00.0: reset methods: bus");

        // A Radeon RX 5700 XT (Navi 10, 1002:731f): its bus reset leaves it dead until vendor-reset's method is used.
        host.Write("sys/bus/pci/devices/0000:01:00.0/device", "0x731f\n");
        var (code, output, _) = Run("--config", host.ConfigPath, "doctor", "win11");
        Line(output, "reset 0000:01:00.0").ShouldBe("  warn reset 0000:01:00.0: reset methods: bus; an AMD Navi 10 does not reset between VMs without vendor-reset, which is not loaded");
        output.ShouldContain("install vendor-reset (its dkms package)");

        host.Write("sys/module/vendor_reset/refcnt", "0\n");
        host.Write("sys/bus/pci/devices/0000:01:00.0/reset_method", "device_specific bus\n");
        Line(Run("--config", host.ConfigPath, "doctor", "win11").Out, "reset 0000:01:00.0")
            .ShouldBe("  warn reset 0000:01:00.0: reset methods: device_specific bus; vendor-reset is loaded for this AMD Navi 10 but the rule does not select it");

        Directory.CreateDirectory(Path.Join(host.RulesDir, "win11.d"));
        File.WriteAllText(Path.Join(host.RulesDir, "win11.d", "zz-reset.json"), """{ "gpu": { "resetMethod": "device_specific", "recover": "removeRescan" } }""");
        Line(Run("--config", host.ConfigPath, "doctor", "win11").Out, "reset 0000:01:00.0")
            .ShouldBe("  ok   reset 0000:01:00.0: reset methods: device_specific bus; vendor-reset is loaded for this AMD Navi 10");
        code.ShouldBe(0);
    }

    [Fact]
    public void ProcessesHoldingTheGpuAreListedForASingleGpuHandover()
    {
        using var host = new SimHostCopy();
        File.WriteAllText(Path.Join(host.RulesDir, "win11.json"), """{ "gpu": { "fromDomainXml": true, "singleGpu": { "stopUnits": ["display-manager.service"] } } }""");
        host.Write("proc/777/comm", "Xorg\n");
        host.Link("proc/777/fd/0", "/dev/null");
        host.Link("proc/777/fd/12", "/dev/dri/card1");
        host.Write("proc/778/comm", "bash\n");
        host.Link("proc/778/fd/0", "/dev/pts/0");
        var (_, output, _) = Run("--config", host.ConfigPath, "doctor", "win11");
        Line(output, "GPU users:").ShouldContain("warn GPU users: 1 process(es) hold the GPU");
        output.ShouldContain("Xorg (pid 777) holds /dev/dri/card1");
    }

    [Fact]
    public void MissingIommuAndCgroupV1AndOldSystemdFail()
    {
        using var host = new SimHostCopy();
        Directory.Delete(host.Join("sys/kernel/iommu_groups"), recursive: true);
        File.Delete(host.Join("sys/fs/cgroup/cgroup.controllers"));
        host.Write("proc/1/maps", "7f00-7f01 r-xp 0 0:0 1 /lib/systemd/libsystemd-shared-241.so\n");
        var (code, output, _) = Run("--config", host.ConfigPath, "doctor", "win11", "--json");
        code.ShouldBe(1);
        using var json = JsonDocument.Parse(output);
        var failed = json.RootElement.GetProperty("checks").EnumerateArray()
            .Where(c => c.GetProperty("status").GetString() == "fail").Select(c => c.GetProperty("name").GetString()).ToList();
        failed.ShouldContain("IOMMU");
        failed.ShouldContain("cgroup");
        failed.ShouldContain("systemd");
    }

    [Fact]
    public void XmlWithSeveralDomainsIsAUsageError()
    {
        using var host = new SimHostCopy();
        Run("--config", host.ConfigPath, "doctor", "a", "b", "--xml", host.Xml).Code.ShouldBe(2);
    }
}
