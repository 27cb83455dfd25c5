using HookDispatcher.Doctor;
using HookDispatcher.Domain;
using HookDispatcher.Host;
using HookDispatcher.Rules;
using HookDispatcher.Tests.Rules;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Doctor;

/// <summary>
/// doctor for a domain with a lookingGlass rule, on a host tree of its own: the domain XML maps the memory (a
/// &lt;shmem&gt;; for kvmfr a memory-backend-file on /dev/kvmfr0 in either QEMU syntax, or a qemu:override property),
/// qemu.conf's cgroup_device_acl lets QEMU open /dev/kvmfr0 when libvirt uses the devices controller, and the
/// module is loaded or installed for the running kernel.
/// </summary>
public sealed class LookingGlassChecksTests : IDisposable
{
    private const string Area = "domain win11";

    private const string JsonArgs =
        "<qemu:commandline><qemu:arg value='-device'/><qemu:arg value=\"{'driver':'ivshmem-plain','id':'shmem0','memdev':'looking-glass'}\"/>" +
        "<qemu:arg value='-object'/><qemu:arg value=\"{'qom-type':'memory-backend-file','id':'looking-glass','mem-path':'/dev/kvmfr0','size':67108864,'share':true}\"/></qemu:commandline>";

    private const string LegacyArgs =
        "<qemu:commandline><qemu:arg value='-device'/><qemu:arg value='ivshmem-plain,id=shmem0,memdev=looking-glass'/>" +
        "<qemu:arg value='-object'/><qemu:arg value='memory-backend-file,id=looking-glass,mem-path=/dev/kvmfr0,size=64M,share=yes'/></qemu:commandline>";

    private const string Override =
        "<qemu:override><qemu:device alias='shmem0'><qemu:frontend><qemu:property name='mem-path' type='string' value='/dev/kvmfr0'/></qemu:frontend></qemu:device></qemu:override>";

    private readonly TempDir _root = new();
    private readonly HostFs _fs;

    public LookingGlassChecksTests()
    {
        _fs = new HostFs(_root.Path);
        Write("proc/sys/kernel/osrelease", "6.1.0-28-amd64\n");
    }

    public void Dispose() => _root.Dispose();

    private void Write(string relative, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_root.Join(relative))!);
        File.WriteAllText(_root.Join(relative), content);
    }

    private static DomainInfo Domain(string inside = "", string devices = "") => DomainXmlReader.Parse(
        $"<domain type='kvm' xmlns:qemu='{QemuPassthroughReader.Namespace}'><name>win11</name><memory unit='GiB'>8</memory><devices>{devices}</devices>{inside}</domain>", "win11.xml");

    private static LookingGlassRule Rule(string device = "kvmfr") =>
        RuleDir.Valid($$"""{ "lookingGlass": { "device": "{{device}}", "owner": "alice", "width": 2560, "height": 1440 } }""").LookingGlass!;

    private DoctorCheck Check(string name, DomainInfo? domain = null, string device = "kvmfr") =>
        LookingGlassChecks.Run(_fs, Area, domain ?? Domain(JsonArgs), Rule(device)).Single(c => c.Name == name);

    [Theory]
    [InlineData(JsonArgs, "<qemu:commandline> memory-backend-file id=looking-glass maps /dev/kvmfr0, 64 MiB; the rule makes it 64 MiB for 2560×1440")]
    [InlineData(LegacyArgs, "<qemu:commandline> memory-backend-file id=looking-glass maps /dev/kvmfr0, 64 MiB")]
    [InlineData("<qemu:commandline><qemu:arg value='-object'/><qemu:arg value='{\"qom-type\": \"memory-backend-file\", \"id\": \"lg\", \"mem-path\": \"/dev/kvmfr0\", \"size\": 67108864}'/></qemu:commandline>",
        "<qemu:commandline> memory-backend-file id=lg maps /dev/kvmfr0, 64 MiB")]
    [InlineData(Override, "<qemu:override> device 'shmem0' property 'mem-path' maps /dev/kvmfr0; the rule makes it 64 MiB")]
    public void TheXmlMappingTheDeviceInEitherSyntaxOrAnOverridePasses(string inside, string value)
    {
        var check = Check("looking glass", Domain(inside));
        check.Status.ShouldBe(DoctorCheck.Ok);
        check.Value.ShouldStartWith(value);
    }

    [Fact]
    public void AnXmlWithoutTheDeviceFailsGivingTheCommandlineToAdd()
    {
        var check = Check("looking glass", Domain("<qemu:commandline><qemu:arg value='-object'/><qemu:arg value='memory-backend-file,id=m,mem-path=/dev/shm/other,size=64M'/></qemu:commandline>"));
        check.Status.ShouldBe(DoctorCheck.Fail);
        check.Value.ShouldBe("the domain XML maps no /dev/kvmfr0: QEMU would not see the memory the rule makes");
        check.Fix.ShouldNotBeNull().ShouldContain("'mem-path':'/dev/kvmfr0','size':67108864,'share':true");
        check.Fix.ShouldContain($"xmlns:qemu='{QemuPassthroughReader.Namespace}'");
    }

    [Fact]
    public void AnXmlMappingAnotherSizeFailsNamingTheSizeToSet()
    {
        var check = Check("looking glass", Domain(LegacyArgs.Replace("size=64M", "size=32M", StringComparison.Ordinal)));
        check.Status.ShouldBe(DoctorCheck.Fail);
        check.Value.ShouldContain("maps 32 MiB of /dev/kvmfr0 but Looking Glass needs 64 MiB for 2560×1440: set its size to 67108864 (64M)");
    }

    [Theory]
    [InlineData("<shmem name='looking-glass'><model type='ivshmem-plain'/><size unit='M'>64</size></shmem>", DoctorCheck.Ok, "<shmem name='looking-glass'> (ivshmem-plain) maps /dev/shm/looking-glass, 64 MiB")]
    [InlineData("", DoctorCheck.Fail, "the domain XML has no <shmem name='looking-glass'>")]
    [InlineData("<shmem name='looking-glass'><size unit='M'>32</size></shmem>", DoctorCheck.Fail, "has <size> 32 MiB but Looking Glass needs 64 MiB")]
    public void ForShmTheDomainsShmemIsChecked(string devices, string status, string value)
    {
        var checks = LookingGlassChecks.Run(_fs, Area, Domain(devices: devices), Rule("shm"));
        var check = checks.ShouldHaveSingleItem();
        check.Status.ShouldBe(status);
        check.Value.ShouldContain(value);
    }

    [Fact]
    public void AQemuConfListingTheDeviceOverSeveralLinesWithCommentsPasses()
    {
        Write("etc/libvirt/qemu.conf", """
            # cgroup_device_acl = [ "/dev/null" ]
            cgroup_device_acl = [
                "/dev/null", "/dev/full", "/dev/zero",   # the defaults
                "/dev/random", "/dev/urandom",
                "/dev/ptmx", "/dev/kvm",
                "/dev/kvmfr0"
            ]
            """);
        var check = Check("cgroup_device_acl");
        check.Status.ShouldBe(DoctorCheck.Ok);
        check.Value.ShouldBe("/etc/libvirt/qemu.conf lets QEMU open /dev/kvmfr0");
    }

    [Fact]
    public void AQemuConfListWithoutTheDeviceFailsGivingTheLineWithItAdded()
    {
        Write("etc/libvirt/qemu.conf", "cgroup_device_acl = [\n  \"/dev/null\", \"/dev/kvm\",\n  \"/dev/input/by-id/kbd\"\n]\n#cgroup_device_acl = [ \"/dev/kvmfr0\" ]\n");
        var check = Check("cgroup_device_acl");
        check.Status.ShouldBe(DoctorCheck.Fail);
        check.Value.ShouldBe("/etc/libvirt/qemu.conf's cgroup_device_acl leaves out /dev/kvmfr0: QEMU cannot open it");
        check.Fix.ShouldBe("put this line in /etc/libvirt/qemu.conf (in place of the one there) and restart libvirtd: " +
                           "cgroup_device_acl = [ \"/dev/null\", \"/dev/kvm\", \"/dev/input/by-id/kbd\", \"/dev/kvmfr0\" ]");
    }

    [Fact]
    public void NoAclInQemuConfFailsWithLibvirtsDefaultListPlusTheDevice()
    {
        Write("etc/libvirt/qemu.conf", "#user = \"root\"\n");
        var check = Check("cgroup_device_acl");
        check.Status.ShouldBe(DoctorCheck.Fail);
        check.Value.ShouldContain("sets no cgroup_device_acl, and libvirt's default leaves out /dev/kvmfr0");
        check.Fix.ShouldNotBeNull().ShouldEndWith(
            "cgroup_device_acl = [ \"/dev/null\", \"/dev/full\", \"/dev/zero\", \"/dev/random\", \"/dev/urandom\", \"/dev/ptmx\", \"/dev/kvm\", \"/dev/kvmfr0\" ]");
    }

    [Theory]
    [InlineData("cgroup_controllers = [ \"cpu\", \"memory\", \"blkio\", \"cpuset\", \"cpuacct\" ]\n", DoctorCheck.Ok)]
    [InlineData("cgroup_controllers = [ \"cpu\", \"devices\" ]\n", DoctorCheck.Fail)]
    [InlineData("# cgroup_controllers = [ \"cpu\" ]\n", DoctorCheck.Fail)]
    public void TheAclIsCheckedOnlyWhenLibvirtUsesTheDevicesController(string conf, string status)
    {
        Write("etc/libvirt/qemu.conf", conf);
        var check = Check("cgroup_device_acl");
        check.Status.ShouldBe(status);
        if (status == DoctorCheck.Ok)
        {
            check.Value.ShouldBe("not needed: /etc/libvirt/qemu.conf sets cgroup_controllers without \"devices\"");
        }
    }

    [Fact]
    public void TheModuleLoadedInstalledOrMissingIsSaidSo()
    {
        var missing = Check("kvmfr module");
        missing.Status.ShouldBe(DoctorCheck.Fail);
        missing.Value.ShouldBe("not loaded and no kvmfr.ko in /lib/modules/6.1.0-28-amd64/modules.dep");
        missing.Fix.ShouldNotBeNull().ShouldContain("dkms install");

        Write("lib/modules/6.1.0-28-amd64/modules.dep", "kernel/drivers/vfio/pci/vfio-pci.ko.xz: kernel/drivers/vfio/vfio.ko.xz\nupdates/dkms/kvmfr.ko.xz:\n");
        var installed = Check("kvmfr module");
        installed.Status.ShouldBe(DoctorCheck.Ok);
        installed.Value.ShouldBe("available for 6.1.0-28-amd64 (updates/dkms/kvmfr.ko.xz); prepare loads it");

        new SimKvmfr(_root.Path).LoadedByUser("64");
        var loaded = Check("kvmfr module");
        loaded.Status.ShouldBe(DoctorCheck.Ok);
        loaded.Value.ShouldStartWith("loaded with static_size_mb=64");
    }

    [Fact]
    public void DomainChecksRunTheLookingGlassChecksForADomainWithTheSection()
    {
        var xml = _root.Join("win11.xml");
        File.WriteAllText(xml, $"<domain type='kvm' xmlns:qemu='{QemuPassthroughReader.Namespace}'><name>win11</name><memory unit='GiB'>8</memory>{LegacyArgs}</domain>");
        var rules = RuleDir.Valid("""{ "lookingGlass": { "device": "kvmfr", "owner": "alice", "width": 2560, "height": 1440 } }""");
        var names = DomainChecks.Run(_fs, "win11", rules, xml).Select(c => c.Name).ToList();
        names.ShouldContain("looking glass");
        names.ShouldContain("cgroup_device_acl");
        names.ShouldContain("kvmfr module");
        DomainChecks.Run(_fs, "win11", RuleDir.Valid("""{ "hugepages": true }"""), xml).ShouldNotContain(c => c.Name == "kvmfr module");
    }
}
