using HookDispatcher.Domain;
using HookDispatcher.Handlers.Gpu;
using HookDispatcher.Host;
using HookDispatcher.Rules;
using HookDispatcher.Values;

namespace HookDispatcher.Doctor;

/// <summary>
/// Per-domain checks: the PCI devices with their IOMMU groups member by member, who holds the GPU for a
/// single-GPU handover, whether the domain XML and the rules agree, and Looking Glass's memory.
/// </summary>
internal static class DomainChecks
{
    public const string XmlDir = "/etc/libvirt/qemu";

    public static IEnumerable<DoctorCheck> Run(IHostFs fs, string domain, RuleSet? rules, string? xmlFile)
    {
        var area = $"domain {domain}";
        var source = xmlFile ?? fs.Resolve($"{XmlDir}/{domain}.xml");
        DomainInfo info;
        try
        {
            if (!File.Exists(source))
            {
                return [DoctorCheck.Warning(area, "domain XML", $"{source} does not exist", $"define the domain (virsh define) or give --xml FILE")];
            }
            info = DomainXmlReader.Parse(File.ReadAllText(source), source);
        }
        catch (Exception e) when (e is DomainXmlException or IOException or UnauthorizedAccessException)
        {
            return [DoctorCheck.Failure(area, "domain XML", e.Message, "fix the XML (virsh edit)")];
        }
        var checks = new List<DoctorCheck> { DoctorCheck.Pass(area, "domain XML", $"{source} ({info.Name}, {info.Hostdevs.Count} PCI hostdev(s))") };
        if (rules is null)
        {
            checks.Add(DoctorCheck.Warning(area, "rules", "no rule file: the hook leaves this domain alone", $"write {domain}.json in the rules directory"));
        }
        checks.AddRange(Devices(fs, area, info, rules?.Gpu));
        checks.AddRange(Resets(fs, area, info, rules?.Gpu));
        if (rules?.Gpu?.SingleGpu is not null)
        {
            checks.Add(Holders(fs, area));
        }
        if (rules is not null)
        {
            checks.AddRange(Agreement(area, info, rules));
        }
        if (rules?.LookingGlass is { } glass)
        {
            checks.AddRange(LookingGlassChecks.Run(fs, area, info, glass));
        }
        checks.AddRange(PinChecks.Run(fs, area, info));
        return checks;
    }

    private static IEnumerable<DoctorCheck> Devices(IHostFs fs, string area, DomainInfo info, GpuRule? gpu)
    {
        var addresses = info.Hostdevs.Select(h => h.Address).Concat(gpu?.Devices ?? []).Distinct().ToList();
        var groupsSeen = new HashSet<string>(StringComparer.Ordinal);
        var checks = new List<DoctorCheck>();
        foreach (var address in addresses)
        {
            try
            {
                if (Device(fs, area, address, addresses, groupsSeen, gpu) is { } check)
                {
                    checks.Add(check);
                }
            }
            catch (HostIoException e)
            {
                checks.Add(DoctorCheck.Failure(area, $"PCI {address}", e.Message, "check the IOMMU (see the host checks) and the address (lspci -D)"));
            }
        }
        return checks;
    }

    private static DoctorCheck? Device(IHostFs fs, string area, PciAddress address, List<PciAddress> addresses, HashSet<string> groupsSeen, GpuRule? gpu)
    {
        var name = $"PCI {address}";
        if (!fs.Exists(PciSysfs.Device(address)))
        {
            return DoctorCheck.Failure(area, name, "no such device", "correct the address (lspci -D) in the domain XML or the rule");
        }
        if (PciSysfs.Group(fs, address) is not { } group)
        {
            return DoctorCheck.Failure(area, name, "no IOMMU group", "turn the IOMMU on (see the host IOMMU check)");
        }
        if (!groupsSeen.Add(group))
        {
            return null;
        }
        var members = PciSysfs.GroupMembers(fs, group);
        var details = members.Select(m => Describe(fs, m)).ToList();
        var others = members.Where(m => !addresses.Contains(m) && !IsBridge(fs, m)).ToList();
        var boot = members.Where(m => PciSysfs.IsBootVga(fs, m)).ToList();
        var value = $"IOMMU group {group}: {members.Count} member(s)";
        if (GpuSelection.HostCriticalMember(fs, gpu?.Driver ?? "vfio-pci", address, group, members) is { } taken)
        {
            return DoctorCheck.Failure(area, name, $"{value}: {taken}",
                "move the GPU to a slot with its own IOMMU group (check the board manual), or enable ACS in the firmware") with { Details = details };
        }
        if (boot.Count > 0 && gpu?.SingleGpu is null)
        {
            return DoctorCheck.Failure(area, name, value + $", {boot[0]} is the boot GPU", "add \"singleGpu\" to the gpu rule to hand the host's console GPU over") with { Details = details };
        }
        if (others.Count > 0 && gpu is not { WholeIommuGroup: true })
        {
            return DoctorCheck.Warning(area, name, value + $", shared with {string.Join(", ", others)}",
                "pass every member through (\"wholeIommuGroup\": true, or add them as hostdevs); an ACS override is the unsafe alternative") with { Details = details };
        }
        var note = others.Count > 0 ? $", {string.Join(", ", others)} go along (wholeIommuGroup)" : "";
        return DoctorCheck.Pass(area, name, value + note + (boot.Count > 0 ? $", boot GPU {boot[0]} (singleGpu)" : "")) with { Details = details };
    }

    /// <summary>One line of the ArchWiki listing: address, class, driver.</summary>
    private static string Describe(IHostFs fs, PciAddress address)
    {
        string cls;
        try
        {
            var code = PciSysfs.Class(fs, address);
            cls = $"{PciSysfs.ClassName(code)} [{code >> 8:x4}]";
        }
        catch (HostIoException)
        {
            cls = "class unreadable";
        }
        var vga = PciSysfs.IsBootVga(fs, address) ? ", boot GPU" : "";
        return $"{address} {cls}, driver {PciSysfs.Driver(fs, address) ?? "none"}{vga}";
    }

    /// <summary>
    /// How each display function the domain takes can be reset (what reset_method lists), and for an AMD card that
    /// needs vendor-reset whether the module is loaded and the rule selects its method.
    /// </summary>
    private static IEnumerable<DoctorCheck> Resets(IHostFs fs, string area, DomainInfo info, GpuRule? gpu)
    {
        var checks = new List<DoctorCheck>();
        foreach (var address in info.Hostdevs.Select(h => h.Address).Concat(gpu?.Devices ?? []).Distinct())
        {
            try
            {
                if (!fs.Exists(PciSysfs.Device(address)) || !PciSysfs.IsDisplay(PciSysfs.Class(fs, address)))
                {
                    continue;
                }
                var name = $"reset {address}";
                var methods = PciSysfs.ResetMethods(fs, address) is { } list ? string.Join(' ', list) : null;
                var value = methods is null ? "no reset method (no reset_method file)" : $"reset methods: {methods}";
                var family = PciSysfs.Ids(fs, address) is { } ids ? VendorReset.Family(ids.Vendor, ids.Device) : null;
                if (family is null)
                {
                    checks.Add(DoctorCheck.Pass(area, name, value));
                }
                else if (!fs.Exists($"/sys/module/{VendorReset.Module}"))
                {
                    checks.Add(DoctorCheck.Warning(area, name, $"{value}; an AMD {family} does not reset between VMs without vendor-reset, which is not loaded",
                        "install vendor-reset (its dkms package), load it at boot (/etc/modules-load.d) and set \"resetMethod\": \"device_specific\" and \"recover\": \"removeRescan\" in the gpu rule"));
                }
                else if (gpu?.ResetMethod?.StartsWith("device_specific", StringComparison.Ordinal) != true)
                {
                    checks.Add(DoctorCheck.Warning(area, name, $"{value}; vendor-reset is loaded for this AMD {family} but the rule does not select it",
                        "set \"resetMethod\": \"device_specific\" in the gpu rule (the kernel may otherwise pick the bus reset first)"));
                }
                else
                {
                    checks.Add(DoctorCheck.Pass(area, name, $"{value}; vendor-reset is loaded for this AMD {family}"));
                }
            }
            catch (HostIoException e)
            {
                checks.Add(DoctorCheck.Failure(area, $"reset {address}", e.Message, "check the address (lspci -D)"));
            }
        }
        return checks;
    }

    private static bool IsBridge(IHostFs fs, PciAddress address)
    {
        try
        {
            return PciSysfs.Class(fs, address) >> 8 == PciSysfs.BridgeClass;
        }
        catch (HostIoException)
        {
            return false;
        }
    }

    private static DoctorCheck Holders(IHostFs fs, string area)
    {
        var holders = ProcScan.GpuUsers(fs);
        if (holders.Count == 0)
        {
            return DoctorCheck.Pass(area, "GPU users", "no process holds /dev/nvidia* or /dev/dri/*");
        }
        var list = holders.Select(h => $"{h.Comm} (pid {h.Pid}) holds {h.Path}").ToList();
        return DoctorCheck.Warning(area, "GPU users", $"{holders.Count} process(es) hold the GPU",
            "the modules cannot unload while they run: list their units in singleGpu.stopUnits (display-manager.service, …)") with { Details = list };
    }

    private static IEnumerable<DoctorCheck> Agreement(string area, DomainInfo info, RuleSet rules)
    {
        if (rules.Hugepages is not null)
        {
            yield return info.HugepagesRequested
                ? DoctorCheck.Pass(area, "memoryBacking", "the XML asks for hugepages, the rule reserves them")
                : DoctorCheck.Failure(area, "memoryBacking", "the rule reserves hugepages but the XML has no <memoryBacking><hugepages/>: QEMU would not use them",
                    "add <memoryBacking><hugepages/></memoryBacking> (virsh edit), or drop the hugepages section");
        }
        if (rules.Gpu is { BindManaged: false } gpu)
        {
            var managed = info.Hostdevs.Where(h => h.Managed).Select(h => h.Address.ToString()).ToList();
            yield return managed.Count == 0
                ? DoctorCheck.Pass(area, "managed", "the hook binds the hostdevs (managed='no')")
                : DoctorCheck.Warning(area, "managed", $"managed='yes' on {string.Join(", ", managed)}: libvirt binds them, the gpu rule leaves them alone",
                    gpu.SingleGpu is null ? "set managed='no' on those hostdevs so the hook binds them (or \"bindManaged\": true)" : "single-GPU handover needs managed='no' on the GPU's hostdevs");
        }
        if (rules.CpuIsolation is { HostCpus: null })
        {
            yield return info.PinnedCpus.IsEmpty
                ? DoctorCheck.Failure(area, "pins", "hostCpus is \"auto\" but the XML pins no CPU",
                    "add <cputune><vcpupin …/><emulatorpin …/></cputune> (or <vcpu cpuset>), or give hostCpus")
                : DoctorCheck.Pass(area, "pins", $"the domain pins {info.PinnedCpus}; the host keeps the rest");
        }
    }
}
