using HookDispatcher.Tests.Support;

namespace HookDispatcher.Tests.Reliability;

/// <summary>
/// <see cref="SimPciHost"/>'s PCI functions, drivers, consoles and firmware framebuffer as real files under a host
/// root, for the real binary: what never changes as plain files and links (class, boot_vga, console names, IOMMU
/// groups, driver and module directories), the attributes the hook reads and writes as <see cref="Attributes"/> for
/// <see cref="FifoSysfs"/> to serve from the model, and what follows the model's state (driver links, /dev/vfio
/// nodes, framebuffers, loaded modules) renewed by <see cref="Sync"/> after every write.
/// </summary>
internal sealed class PciTree
{
    private readonly SimPciHost _pci;
    private readonly string _root;

    public PciTree(SimPciHost pci, string root)
    {
        _pci = pci;
        _root = root;
        var attributes = new List<string> { "/sys/bus/pci/drivers_probe" };
        foreach (var device in pci.Devices.Values)
        {
            var dir = $"/sys/bus/pci/devices/{device.Address}";
            Directory.CreateDirectory(Host(dir));
            File.WriteAllText(Host($"{dir}/class"), pci.ReadText($"{dir}/class"));
            if (pci.Exists($"{dir}/boot_vga"))
            {
                File.WriteAllText(Host($"{dir}/boot_vga"), pci.ReadText($"{dir}/boot_vga"));
            }
            File.CreateSymbolicLink(Host($"{dir}/iommu_group"), pci.ReadLink($"{dir}/iommu_group")!);
            Directory.CreateDirectory(Host($"/sys/kernel/iommu_groups/{device.Group}/devices"));
            File.CreateSymbolicLink(Host($"/sys/kernel/iommu_groups/{device.Group}/devices/{device.Address}"), $"../../../../bus/pci/devices/{device.Address}");
            attributes.Add($"{dir}/driver_override");
        }
        var drivers = pci.Devices.Values.Select(d => d.Native).OfType<string>().Append("vfio-pci").Distinct(StringComparer.Ordinal);
        foreach (var driver in drivers.Where(d => pci.Exists($"/sys/bus/pci/drivers/{d}")))
        {
            var dir = $"/sys/bus/pci/drivers/{driver}";
            Directory.CreateDirectory(Host(dir));
            if (pci.ReadLink($"{dir}/module") is { } module)
            {
                File.CreateSymbolicLink(Host($"{dir}/module"), module);
            }
            attributes.Add($"{dir}/bind");
            attributes.Add($"{dir}/unbind");
        }
        foreach (var console in pci.ListDirectory("/sys/class/vtconsole"))
        {
            var dir = $"/sys/class/vtconsole/{console}";
            Directory.CreateDirectory(Host(dir));
            File.WriteAllText(Host($"{dir}/name"), pci.ReadText($"{dir}/name"));
            attributes.Add($"{dir}/bind");
        }
        if (pci.Framebuffer is { } framebuffer)
        {
            Directory.CreateDirectory(Host($"/sys/bus/platform/devices/{framebuffer.Device}"));
            attributes.Add($"/sys/bus/platform/drivers/{framebuffer.Driver}/bind");
            attributes.Add($"/sys/bus/platform/drivers/{framebuffer.Driver}/unbind");
        }
        Attributes = attributes;
        Sync();
    }

    /// <summary>The files the hook reads or writes, as it names them: FIFOs for <see cref="FifoSysfs"/>.</summary>
    public IReadOnlyList<string> Attributes { get; }

    /// <summary>Makes the links, nodes and directories that show the model's state say what the model says.</summary>
    public void Sync()
    {
        foreach (var device in _pci.Devices.Values)
        {
            Link($"/sys/bus/pci/devices/{device.Address}/driver");
            Node($"/dev/vfio/{device.Group}");
        }
        if (_pci.Framebuffer is { } framebuffer)
        {
            Link($"/sys/bus/platform/devices/{framebuffer.Device}/driver");
        }
        Directory.CreateDirectory(Host("/sys/class/graphics"));
        var graphics = _pci.ListDirectory("/sys/class/graphics").ToHashSet(StringComparer.Ordinal);
        foreach (var stale in Directory.GetDirectories(Host("/sys/class/graphics")).Where(d => !graphics.Contains(Path.GetFileName(d))))
        {
            Directory.Delete(stale);
        }
        foreach (var entry in graphics)
        {
            Directory.CreateDirectory(Host($"/sys/class/graphics/{entry}"));
        }
        foreach (var module in _pci.Modules.Keys)
        {
            Node($"/sys/module/{module}/initstate");
        }
    }

    private void Link(string path)
    {
        var file = Host(path);
        var target = _pci.ReadLink(path);
        if (new FileInfo(file).LinkTarget == target)
        {
            return;
        }
        File.Delete(file);
        if (target is not null)
        {
            File.CreateSymbolicLink(file, target);
        }
    }

    /// <summary>A file that exists exactly when the model says so.</summary>
    private void Node(string path)
    {
        var file = Host(path);
        if (_pci.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, path.EndsWith("initstate", StringComparison.Ordinal) ? "live\n" : "");
        }
        else if (File.Exists(file))
        {
            File.Delete(file);
        }
    }

    private string Host(string path) => Path.Join(_root, path);
}
