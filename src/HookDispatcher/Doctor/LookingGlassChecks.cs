using System.Text.RegularExpressions;
using HookDispatcher.Domain;
using HookDispatcher.Engine;
using HookDispatcher.Handlers.LookingGlass;
using HookDispatcher.Host;
using HookDispatcher.Rules;

namespace HookDispatcher.Doctor;

/// <summary>
/// A domain with a lookingGlass rule (looking-glass.io, "IVSHMEM with standard shared memory" / "with the KVMFR
/// module"): the domain XML maps the memory the rule makes, and for kvmfr libvirt lets QEMU open /dev/kvmfr0 and
/// the module can be loaded.
/// </summary>
internal static partial class LookingGlassChecks
{
    public const string QemuConf = "/etc/libvirt/qemu.conf";

    /// <summary>libvirt's cgroup_device_acl when qemu.conf sets none (defaultDeviceACL in src/qemu/qemu_cgroup.c of libvirt 7-9).</summary>
    private static readonly string[] DefaultAcl = ["/dev/null", "/dev/full", "/dev/zero", "/dev/random", "/dev/urandom", "/dev/ptmx", "/dev/kvm"];

    public static IEnumerable<DoctorCheck> Run(IHostFs fs, string area, DomainInfo info, LookingGlassRule rule)
    {
        var (sizeMiB, from) = LookingGlassHandler.Need(rule);
        if (rule.Device == LookingGlassDevice.Shm)
        {
            return [Shmem(area, info, sizeMiB, from)];
        }
        return [Backend(area, info, sizeMiB, from), DeviceAcl(fs, area), Module(fs, area)];
    }

    private static DoctorCheck Shmem(string area, DomainInfo info, ulong sizeMiB, string from)
    {
        try
        {
            var shmem = LookingGlassHandler.Shmem(info, sizeMiB, from);
            return DoctorCheck.Pass(area, "looking glass", FormattableString.Invariant(
                $"<shmem name='{shmem.Name}'> (ivshmem-plain) maps /dev/shm/{shmem.Name}, {sizeMiB} MiB for {from}"));
        }
        catch (PlanException e)
        {
            return DoctorCheck.Failure(area, "looking glass", Reason(e),
                FormattableString.Invariant($"virsh edit: under <devices> add <shmem name='looking-glass'><model type='ivshmem-plain'/><size unit='M'>{sizeMiB}</size></shmem>"));
        }
    }

    private static DoctorCheck Backend(string area, DomainInfo info, ulong sizeMiB, string from)
    {
        QemuMemoryFile? backend;
        try
        {
            backend = LookingGlassHandler.KvmfrBackend(info, sizeMiB, from);
        }
        catch (PlanException e)
        {
            return DoctorCheck.Failure(area, "looking glass", Reason(e), "virsh edit, and give the memory-backend-file the size the rule makes");
        }
        return backend is null
            ? DoctorCheck.Failure(area, "looking glass", $"the domain XML maps no {Kvmfr.Device}: QEMU would not see the memory the rule makes",
                FormattableString.Invariant($"virsh edit: add xmlns:qemu='{QemuPassthroughReader.Namespace}' to <domain> and <qemu:commandline>") +
                "<qemu:arg value='-device'/><qemu:arg value=\"{'driver':'ivshmem-plain','id':'shmem0','memdev':'looking-glass'}\"/><qemu:arg value='-object'/>" +
                FormattableString.Invariant($"<qemu:arg value=\"{{'qom-type':'memory-backend-file','id':'looking-glass','mem-path':'{Kvmfr.Device}','size':{sizeMiB << 20},'share':true}}\"/></qemu:commandline>"))
            : DoctorCheck.Pass(area, "looking glass", FormattableString.Invariant(
                $"{backend.Where} maps {Kvmfr.Device}{(backend.SizeBytes is { } bytes ? $", {bytes >> 20} MiB" : "")}; the rule makes it {sizeMiB} MiB for {from}"));
    }

    /// <summary>
    /// With the devices controller, QEMU may open only what libvirt allows: the domain's own devices and
    /// cgroup_device_acl (which libvirt also copies into QEMU's private /dev). /dev/kvmfr0 comes through
    /// qemu:commandline, so only the list lets it in.
    /// </summary>
    private static DoctorCheck DeviceAcl(IHostFs fs, string area)
    {
        const string name = "cgroup_device_acl";
        var conf = ProcScan.TryRead(fs, QemuConf);
        var settings = conf is null ? new Dictionary<string, IReadOnlyList<string>>() : Lists(conf);
        if (settings.TryGetValue("cgroup_controllers", out var controllers) && !controllers.Contains("devices", StringComparer.Ordinal))
        {
            return DoctorCheck.Pass(area, name, $"not needed: {QemuConf} sets cgroup_controllers without \"devices\"");
        }
        var acl = settings.GetValueOrDefault(name);
        if (acl?.Contains(Kvmfr.Device, StringComparer.Ordinal) == true)
        {
            return DoctorCheck.Pass(area, name, $"{QemuConf} lets QEMU open {Kvmfr.Device}");
        }
        var line = $"cgroup_device_acl = [ {string.Join(", ", (acl ?? DefaultAcl).Append(Kvmfr.Device).Select(d => $"\"{d}\""))} ]";
        return DoctorCheck.Failure(area, name,
            acl is null ? $"{QemuConf} sets no cgroup_device_acl, and libvirt's default leaves out {Kvmfr.Device}: QEMU cannot open it"
                : $"{QemuConf}'s cgroup_device_acl leaves out {Kvmfr.Device}: QEMU cannot open it",
            $"put this line in {QemuConf} (in place of the one there) and restart libvirtd: {line}");
    }

    private static DoctorCheck Module(IHostFs fs, string area)
    {
        const string name = "kvmfr module";
        if (fs.Exists($"/sys/module/{Kvmfr.Module}"))
        {
            return DoctorCheck.Pass(area, name, $"loaded with {Kvmfr.Describe(Kvmfr.SizesMiB(fs))} (prepare loads it again if that is too small and nothing holds it)");
        }
        var release = ProcScan.TryRead(fs, "/proc/sys/kernel/osrelease")?.Trim();
        var dep = release is null ? null : ProcScan.TryRead(fs, $"/lib/modules/{release}/modules.dep");
        if (dep is not null && ModuleLine().Match(dep) is { Success: true } found)
        {
            return DoctorCheck.Pass(area, name, $"available for {release} ({found.Groups["path"].Value}); prepare loads it");
        }
        return DoctorCheck.Failure(area, name, $"not loaded and no kvmfr.ko in /lib/modules/{release ?? "?"}/modules.dep",
            "Debian does not package it: build it from the Looking Glass source with DKMS (apt-get install dkms linux-headers-$(uname -r); cd module; dkms install .)");
    }

    private static string Reason(PlanException e) => e.Message[(e.Section.Length + 2)..];

    /// <summary>
    /// The list settings of a libvirt config file (virConf syntax): <c>name = [ "a", "b" ]</c>, possibly over several
    /// lines, <c>#</c> to the end of a line a comment; a setting given twice counts as the last.
    /// </summary>
    internal static Dictionary<string, IReadOnlyList<string>> Lists(string conf)
    {
        var text = string.Join('\n', conf.Split('\n').Select(StripComment));
        var lists = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (Match setting in ListSetting().Matches(text))
        {
            lists[setting.Groups["name"].Value] = Quoted().Matches(setting.Groups["items"].Value).Select(m => m.Groups[1].Value).ToList();
        }
        return lists;
    }

    private static string StripComment(string line)
    {
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '"')
            {
                quoted = !quoted;
            }
            else if (line[i] == '#' && !quoted)
            {
                return line[..i];
            }
        }
        return line;
    }

    [GeneratedRegex(@"(?m)^[ \t]*(?<name>[A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*\[(?<items>[^\]]*)\]")]
    private static partial Regex ListSetting();

    [GeneratedRegex("\"([^\"]*)\"")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"(?m)^(?<path>(?:[^\s:]*/)?kvmfr\.ko(?:\.[a-z]+)?):")]
    private static partial Regex ModuleLine();
}
