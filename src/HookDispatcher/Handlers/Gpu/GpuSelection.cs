using HookDispatcher.Domain;
using HookDispatcher.Engine;
using HookDispatcher.Host;
using HookDispatcher.Rules;
using HookDispatcher.Values;

namespace HookDispatcher.Handlers.Gpu;

/// <summary>
/// Which functions a gpu rule takes: the listed and/or domain-XML devices, grown to their whole IOMMU groups,
/// minus bridges and the hostdevs libvirt manages. Every refusal happens here, before the host is touched.
/// </summary>
internal sealed record GpuSelection(IReadOnlyList<GpuDevice> Devices, IReadOnlyList<PciAddress> LeftToLibvirt)
{
    public static GpuSelection Resolve(GpuRule rule, DomainInfo domain, IHostFs fs)
    {
        // ConvertAll, not Select after Where: a generic virtual call, ~0.1 ms the first time (DomainXmlReader.Extract).
        var managed = domain.Hostdevs.Where(h => h.Managed).ToList().ConvertAll(h => h.Address).ToHashSet();
        var requested = rule.Devices
            .Concat(rule.FromDomainXml ? domain.Hostdevs.Select(h => h.Address) : [])
            .Distinct()
            .ToList();
        if (requested.Count == 0)
        {
            // The user relies on the GPU being passed through: a start without it would fail later, less clearly.
            throw Refuse("no PCI device to bind: \"devices\" is empty and the domain XML has no <hostdev type='pci'>");
        }
        foreach (var address in requested.Where(a => !fs.Exists(PciSysfs.Device(a))))
        {
            throw Refuse($"{address}: no such PCI device ({fs.Resolve(PciSysfs.Device(address))} does not exist)");
        }
        var leftToLibvirt = new List<PciAddress>();
        var selected = new Dictionary<PciAddress, GpuDevice>();
        foreach (var address in requested)
        {
            // libvirt binds managed='yes' hostdevs itself after prepare and rebinds them before release.
            if (managed.Contains(address) && !rule.BindManaged)
            {
                leftToLibvirt.Add(address);
                continue;
            }
            var cls = PciSysfs.Class(fs, address);
            if (cls >> 8 == PciSysfs.BridgeClass)
            {
                throw Refuse($"{address} is a PCI bridge (class 0x{cls:x6}); bridges stay with the host");
            }
            var group = PciSysfs.Group(fs, address)
                ?? throw Refuse($"{address} has no IOMMU group (is the IOMMU on? intel_iommu=on or amd_iommu=on on the kernel command line)");
            var members = PciSysfs.GroupMembers(fs, group);
            if (HostCriticalMember(fs, rule.Driver, address, group, members) is { } taken)
            {
                throw Refuse(taken);
            }
            foreach (var member in rule.WholeIommuGroup ? members : [address])
            {
                var memberClass = PciSysfs.Class(fs, member);
                if (memberClass >> 8 == PciSysfs.BridgeClass || selected.ContainsKey(member))
                {
                    continue;
                }
                if (member != address && managed.Contains(member) && !rule.BindManaged)
                {
                    leftToLibvirt.Add(member);
                    continue;
                }
                selected[member] = new GpuDevice(member, group, memberClass, PciSysfs.Driver(fs, member));
            }
        }
        foreach (var device in selected.Values.Where(d => rule.SingleGpu is null && PciSysfs.IsBootVga(fs, d.Address)))
        {
            throw Refuse($"{device.Address} is the boot GPU (boot_vga = 1) the host console runs on; add \"singleGpu\" to the rule to hand it over");
        }
        // Functions .1… leave the host before .0; release undoes in reverse, so .0 comes back first. See BindDeviceStep.
        // One key, not OrderBy(…).ThenByDescending(…): ThenBy is a generic virtual call (DomainXmlReader.Extract).
        var ordered = selected.Values
            .OrderBy(d => (d.Address.Segment, d.Address.Bus, d.Address.Slot, -d.Address.Function))
            .ToList();
        return new GpuSelection(ordered, leftToLibvirt.Distinct().ToList());
    }

    /// <summary>
    /// A storage or network controller, a USB controller (the host's keyboard and mouse) or a host/ISA bridge (the
    /// chipset) with a host driver in the group would go with it, taking it from the host: the refusal saying so,
    /// or null. Prepare refuses with it and doctor reports it, so both say the same.
    /// </summary>
    public static string? HostCriticalMember(IHostFs fs, string bindDriver, PciAddress address, string group, IReadOnlyList<PciAddress> members)
    {
        foreach (var member in members)
        {
            var cls = PciSysfs.Class(fs, member);
            if (HostCritical(cls) && PciSysfs.Driver(fs, member) is { } driver && driver != bindDriver)
            {
                return $"IOMMU group {group} of {address} also holds {member}, {(PciSysfs.ClassName(cls).StartsWith("ISA", StringComparison.Ordinal) ? "an" : "a")} {PciSysfs.ClassName(cls)} (class 0x{cls:x6}) driven by {driver}; " +
                       "passing the group through would take it from the host";
            }
        }
        return null;
    }

    /// <summary>Storage (0x01), network (0x02), USB controller (0x0c03), host bridge (0x0600), ISA bridge (0x0601).</summary>
    private static bool HostCritical(uint cls) => cls >> 16 is 0x01 or 0x02 || cls >> 8 is 0x0c03 or 0x0600 or 0x0601;

    private static PlanException Refuse(string message) => new(GpuHandler.KindName, message);
}
