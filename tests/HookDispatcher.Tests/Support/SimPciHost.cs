using System.Globalization;
using HookDispatcher.Host;

namespace HookDispatcher.Tests.Support;

/// <summary>
/// An in-memory PCI bus, consoles, framebuffer and module loader that behave like the kernel's sysfs for the gpu
/// handler: bind/unbind/driver_override/drivers_probe follow the kernel's matching rules and errnos (bind of a bound
/// device → EBUSY, a driver that does not match or refuses → ENODEV, unbind from a driver the device is not on →
/// ENODEV), modules take their drivers with them, and a module in use answers EBUSY. <see cref="Snapshot"/> renders
/// the whole state, so a test can check a rollback left the host identical. Every write is logged.
/// </summary>
internal sealed class SimPciHost : IHostFs, IKernelModules, IFramebufferConsole
{
    public sealed class Device(string address, uint cls, string group, string? native, string? module)
    {
        public string Address { get; } = address;
        public uint Class { get; } = cls;
        public string Group { get; set; } = group;
        public string? Native { get; } = native;
        public string? NativeModule { get; } = module;
        public string? Driver { get; set; }
        public string? Override { get; set; }
        public bool? BootVga { get; set; }
        /// <summary>A driver whose probe of this device fails, and how.</summary>
        public (string Driver, int Errno)? Refuses { get; set; }

        /// <summary>The reset methods the function supports, in the kernel's order; null: no reset_method file.</summary>
        public IReadOnlyList<string>? ResetMethods { get; set; }

        /// <summary>The reset methods in force (what reset_method reads back); null: all of <see cref="ResetMethods"/>.</summary>
        public string? ResetMethod { get; set; }

        /// <summary>
        /// Stuck after a VM, as an AMD card without a working reset: every probe fails with EIO until the function is
        /// removed and found again by a rescan.
        /// </summary>
        public bool StuckUntilRemoved { get; set; }

        public string ResetMethodsInForce => ResetMethod ?? string.Join(' ', ResetMethods ?? []);
    }

    /// <summary>Functions removed through their <c>remove</c> file, found again by a rescan of their bus.</summary>
    public Dictionary<string, Device> Removed { get; } = new(StringComparer.Ordinal);

    public sealed class Module(string name, params string[] drivers)
    {
        public string Name { get; } = name;
        public IReadOnlyList<string> Drivers { get; } = drivers;
        public bool Loaded { get; set; }
        public int Refcnt { get; set; }
        public List<string> Holders { get; } = [];
        /// <summary>Unload answers EBUSY this many more times (a display server still closing).</summary>
        public int BusyUnloads { get; set; }
        /// <summary>fbcon holds it while a frame-buffer console is bound.</summary>
        public bool HeldByConsole { get; set; }
    }

    public Dictionary<string, Device> Devices { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, Module> Modules { get; } = new(StringComparer.Ordinal);

    /// <summary>Drivers built into the kernel (always loaded).</summary>
    public HashSet<string> BuiltinDrivers { get; } = new(StringComparer.Ordinal) { "pcieport" };

    /// <summary>vtcon name and bind state, in order.</summary>
    public List<(string Name, bool Bound)> Consoles { get; } = [("(S) dummy device", false), ("(M) frame buffer device", true)];

    /// <summary>The firmware framebuffer platform device, its driver and whether it is bound (null: none).</summary>
    public (string Device, string Driver, bool Bound)? Framebuffer { get; set; }

    /// <summary>
    /// A system ("(S)") console driver is registered: writing 1 to a vtconsole's bind rebinds it. Without one (the
    /// boot vgacon was replaced) the kernel ignores the write, as 6.1 does in the e2e guest.
    /// </summary>
    public bool SystemConsoleDriver { get; set; } = true;

    public List<(string Path, string Value)> Writes { get; } = [];

    public List<string> ModuleCalls { get; } = [];

    /// <summary>Writes ("write PATH") and module calls ("load bochs") in the order they happened.</summary>
    public List<string> Timeline { get; } = [];

    /// <summary>Fails the write to this path with this errno (before it takes effect).</summary>
    public (string Path, int Errno)? FailOn { get; set; }

    /// <summary>Fails the n-th write (0-based, counted over the whole run) with EIO, once.</summary>
    public int? FailWriteNumber { get; set; }

    private int _writeCount;

    /// <summary>
    /// <see cref="Standard"/> for a single-GPU handover: vfio_pci loaded, the passthrough GPU is the boot GPU, bochs
    /// held by the frame-buffer console and an EFI framebuffer bound.
    /// </summary>
    public static SimPciHost SingleGpu()
    {
        var host = Standard();
        host.Modules["vfio_pci"].Loaded = true;
        host.Modules["bochs"].HeldByConsole = true;
        host.Devices["0000:01:00.0"].BootVga = true;
        host.Framebuffer = ("efi-framebuffer.0", "efi-framebuffer", true);
        return host;
    }

    /// <summary>A host with a passthrough GPU + audio behind a bridge in group 5, a boot GPU, an NVMe and a NIC.</summary>
    public static SimPciHost Standard()
    {
        var host = new SimPciHost();
        host.AddModule(new Module("bochs", "bochs-drm") { Loaded = true });
        host.AddModule(new Module("snd_hda_intel", "snd_hda_intel") { Loaded = true });
        host.AddModule(new Module("i915", "i915") { Loaded = true });
        host.AddModule(new Module("nvme", "nvme") { Loaded = true });
        host.AddModule(new Module("e1000e", "e1000e") { Loaded = true });
        host.AddModule(new Module("vfio_pci", "vfio-pci"));
        host.Add(new Device("0000:00:02.0", 0x030000, "1", "i915", "i915") { BootVga = true });
        host.Add(new Device("0000:00:1c.0", 0x060400, "5", "pcieport", null));
        host.Add(new Device("0000:01:00.0", 0x030000, "5", "bochs-drm", "bochs") { BootVga = false });
        host.Add(new Device("0000:01:00.1", 0x040300, "5", "snd_hda_intel", "snd_hda_intel"));
        host.Add(new Device("0000:02:00.0", 0x010802, "6", "nvme", "nvme"));
        host.Add(new Device("0000:03:00.0", 0x020000, "7", "e1000e", "e1000e"));
        return host;
    }

    public void AddModule(Module module) => Modules[module.Name] = module;

    /// <summary>Adds a device, bound to its native driver when that driver is loaded.</summary>
    public Device Add(Device device)
    {
        Devices[device.Address] = device;
        if (device.Native is { } native && DriverLoaded(native))
        {
            device.Driver = native;
        }
        return device;
    }

    public string Snapshot() => string.Join('\n',
        Devices.Values.OrderBy(d => d.Address, StringComparer.Ordinal).Select(d => $"{d.Address} driver={d.Driver} override={d.Override}" + (d.ResetMethods is null ? "" : $" reset={d.ResetMethodsInForce}"))
            .Concat(Consoles.Select((c, i) => $"vtcon{i} bound={c.Bound}"))
            .Concat(Framebuffer is { } fb ? [$"{fb.Device} bound={fb.Bound}"] : [])
            .Concat(Modules.Values.OrderBy(m => m.Name, StringComparer.Ordinal).Select(m => $"module {m.Name} loaded={m.Loaded}")));

    public string Root => "/";

    public string Resolve(string absolutePath) => absolutePath;

    public bool Exists(string path)
    {
        var p = Parts(path);
        return p switch
        {
            ["dev", "vfio", var g] => Devices.Values.Any(d => d.Group == g && d.Driver == "vfio-pci"),
            ["sys", "bus", "pci", "drivers_probe"] => true,
            ["sys", "bus", "pci", "devices", var a] => Devices.ContainsKey(a),
            ["sys", "bus", "pci", "devices", var a, "boot_vga"] => Devices.TryGetValue(a, out var d) && d.BootVga is not null,
            ["sys", "bus", "pci", "devices", var a, "driver"] => Devices.TryGetValue(a, out var d) && d.Driver is not null,
            ["sys", "bus", "pci", "devices", var a, "class" or "driver_override" or "iommu_group" or "remove"] => Devices.ContainsKey(a),
            ["sys", "bus", "pci", "devices", var a, "reset_method"] => Devices.TryGetValue(a, out var d) && d.ResetMethods is not null,
            ["sys", "bus", "pci", "rescan"] => true,
            ["sys", "class", "pci_bus", var bus, "rescan"] => Devices.Keys.Concat(Removed.Keys).Any(a => a.StartsWith(bus + ":", StringComparison.Ordinal)),
            ["sys", "bus", "pci", "drivers", var drv, ..] => DriverLoaded(drv),
            ["sys", "kernel", "iommu_groups", var g, ..] => Devices.Values.Any(d => d.Group == g),
            ["sys", "class", "vtconsole"] => true,
            ["sys", "class", "graphics"] => true,
            ["sys", "class", "vtconsole", var c, ..] => ConsoleIndex(c) is not null,
            ["sys", "bus", "platform", "devices", var dev] => Framebuffer?.Device == dev,
            ["sys", "bus", "platform", "devices", var dev, "driver"] => Framebuffer is { Bound: true } fb && fb.Device == dev,
            ["sys", "bus", "platform", "drivers", var drv, ..] => Framebuffer?.Driver == drv,
            ["sys", "module", var m] => ModuleLoaded(m),
            ["sys", "module", var m, "initstate" or "refcnt" or "holders"] => ModuleLoaded(m),
            ["sys", "module", var m, "drivers"] => ModuleLoaded(m) && Modules[m].Drivers.Count > 0,
            _ => false,
        };
    }

    public string ReadText(string path) => Parts(path) switch
    {
        ["sys", "bus", "pci", "devices", var a, "class"] when Devices.TryGetValue(a, out var d) => $"0x{d.Class:x6}\n",
        ["sys", "bus", "pci", "devices", var a, "boot_vga"] when Devices.TryGetValue(a, out var d) && d.BootVga is { } vga => vga ? "1\n" : "0\n",
        ["sys", "bus", "pci", "devices", var a, "driver_override"] when Devices.TryGetValue(a, out var d) => (d.Override ?? "(null)") + "\n",
        ["sys", "bus", "pci", "devices", var a, "reset_method"] when Devices.TryGetValue(a, out var d) && d.ResetMethods is not null => d.ResetMethodsInForce + "\n",
        ["sys", "class", "vtconsole", var c, "name"] when ConsoleIndex(c) is { } i => Consoles[i].Name + "\n",
        ["sys", "class", "vtconsole", var c, "bind"] when ConsoleIndex(c) is { } i => Consoles[i].Bound ? "1\n" : "0\n",
        ["sys", "module", var m, "refcnt"] when ModuleLoaded(m) => Modules[m].Refcnt.ToString(CultureInfo.InvariantCulture) + "\n",
        _ => throw new HostIoException("read", path, null, Errno.ENOENT),
    };

    public string? ReadLink(string path) => Parts(path) switch
    {
        ["sys", "bus", "pci", "devices", var a, "driver"] when Devices.TryGetValue(a, out var d) && d.Driver is { } drv => $"../../../bus/pci/drivers/{drv}",
        ["sys", "bus", "pci", "devices", var a, "iommu_group"] when Devices.TryGetValue(a, out var d) && d.Group.Length > 0 => $"../../../kernel/iommu_groups/{d.Group}",
        ["sys", "bus", "platform", "devices", var dev, "driver"] when Framebuffer is { Bound: true } fb && fb.Device == dev => $"../../../bus/platform/drivers/{fb.Driver}",
        ["sys", "bus", "pci", "drivers", var drv, "module"] when Modules.Values.FirstOrDefault(m => m.Loaded && m.Drivers.Contains(drv)) is { } m => $"../../../../module/{m.Name}",
        _ => null,
    };

    public IReadOnlyList<string> ListDirectory(string path) => Parts(path) switch
    {
        ["sys", "kernel", "iommu_groups", var g, "devices"] when Exists(path) =>
            Devices.Values.Where(d => d.Group == g).Select(d => d.Address).Order(StringComparer.Ordinal).ToList(),
        ["sys", "class", "vtconsole"] => Consoles.Select((_, i) => $"vtcon{i}").ToList(),
        // A display device on a host driver registers a framebuffer; fbcon itself is listed there too.
        ["sys", "class", "graphics"] => Devices.Values.Where(d => d.Class >> 16 == 0x03 && d.Driver is { } drv && drv != "vfio-pci")
            .Select((_, i) => $"fb{i}").Append("fbcon").ToList(),
        ["sys", "module", var m, "holders"] when ModuleLoaded(m) => Modules[m].Holders.Order(StringComparer.Ordinal).ToList(),
        ["sys", "module", var m, "drivers"] when ModuleLoaded(m) => Modules[m].Drivers.Select(d => "pci:" + d).ToList(),
        ["sys", "bus", "pci", "drivers", var drv] when DriverLoaded(drv) =>
            Devices.Values.Where(d => d.Driver == drv).Select(d => d.Address).Concat(["bind", "new_id", "unbind"]).Order(StringComparer.Ordinal).ToList(),
        _ => throw new HostIoException("list", path, null, Errno.ENOENT),
    };

    public void WriteText(string path, string value)
    {
        var number = _writeCount++;
        if (FailOn is { } fail && fail.Path == path)
        {
            throw new HostIoException("write", path, value, fail.Errno);
        }
        if (FailWriteNumber == number)
        {
            FailWriteNumber = null;
            throw new HostIoException("write", path, value, Errno.EIO);
        }
        Writes.Add((path, value));
        Timeline.Add("write " + path);
        var errno = Write(Parts(path), value);
        if (errno != 0)
        {
            throw new HostIoException("write", path, value, errno);
        }
    }

    private int Write(string[] parts, string value)
    {
        Devices.TryGetValue(value, out var target);
        switch (parts)
        {
            case ["sys", "bus", "pci", "drivers", var drv, "unbind"] when DriverLoaded(drv):
                if (target is null || target.Driver != drv)
                {
                    return Errno.ENODEV;
                }
                target.Driver = null;
                return 0;
            case ["sys", "bus", "pci", "drivers", var drv, "bind"] when DriverLoaded(drv):
                if (target is null)
                {
                    return Errno.ENODEV;
                }
                return target.Driver is not null ? Errno.EBUSY : Probe(target, drv);
            case ["sys", "bus", "pci", "drivers_probe"]:
                if (target is null)
                {
                    return Errno.ENODEV;
                }
                if (target.Driver is null && (target.Override ?? target.Native) is { } wanted && DriverLoaded(wanted))
                {
                    Probe(target, wanted);
                }
                return 0;
            case ["sys", "bus", "pci", "devices", var a, "driver_override"] when Devices.TryGetValue(a, out var device):
                if (value.Length == 0)
                {
                    return Errno.EINVAL;
                }
                device.Override = value.TrimEnd('\n') is { Length: > 0 } name ? name : null;
                return 0;
            case ["sys", "bus", "pci", "devices", var a, "reset_method"] when Devices.TryGetValue(a, out var device) && device.ResetMethods is { } supported:
                return SetResetMethod(device, supported, value.Trim());
            case ["sys", "bus", "pci", "devices", var a, "remove"] when Devices.TryGetValue(a, out var device):
                Devices.Remove(a);
                device.Driver = null;
                Removed[a] = device;
                return 0;
            case ["sys", "bus", "pci", "rescan"]:
                Rescan("");
                return 0;
            case ["sys", "class", "pci_bus", var bus, "rescan"]:
                Rescan(bus + ":");
                return 0;
            case ["sys", "class", "vtconsole", var c, "bind"] when ConsoleIndex(c) is { } i:
                if (value.Trim() == "1" && !SystemConsoleDriver)
                {
                    return 0;
                }
                Consoles[i] = (Consoles[i].Name, value.Trim() == "1");
                return 0;
            case ["sys", "bus", "platform", "drivers", var drv, "unbind" or "bind"] when Framebuffer is { } fb && fb.Driver == drv:
                var binding = parts[^1] == "bind";
                if (value != fb.Device || fb.Bound == binding)
                {
                    return binding ? Errno.EBUSY : Errno.ENODEV;
                }
                Framebuffer = fb with { Bound = binding };
                return 0;
            default:
                return Errno.ENOENT;
        }
    }

    /// <summary>reset_method_store: "default", "" (none) or names the device supports, else EINVAL.</summary>
    private static int SetResetMethod(Device device, IReadOnlyList<string> supported, string value)
    {
        var names = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (value == "default")
        {
            device.ResetMethod = null;
            return 0;
        }
        if (names.Any(n => !supported.Contains(n)))
        {
            return Errno.EINVAL;
        }
        device.ResetMethod = string.Join(' ', names);
        return 0;
    }

    /// <summary>A new pci_dev for every removed function under the prefix: no driver_override, default reset methods, probed.</summary>
    private void Rescan(string prefix)
    {
        foreach (var device in Removed.Values.Where(d => d.Address.StartsWith(prefix, StringComparison.Ordinal)).ToList())
        {
            Removed.Remove(device.Address);
            device.Override = null;
            device.ResetMethod = null;
            device.StuckUntilRemoved = false;
            Add(device);
        }
    }

    /// <summary>The kernel's match: driver_override names the only driver allowed; else the device's own id table.</summary>
    private int Probe(Device device, string driver)
    {
        if (device.StuckUntilRemoved && driver != "vfio-pci")
        {
            return Errno.EIO;
        }
        if ((device.Override ?? device.Native) != driver)
        {
            return Errno.ENODEV;
        }
        if (device.Refuses is { } refusal && refusal.Driver == driver)
        {
            return refusal.Errno;
        }
        device.Driver = driver;
        return 0;
    }

    public void TakeOver(int framebuffer)
    {
        ModuleCalls.Add($"con2fbmap 1 {framebuffer}");
        for (var i = 0; i < Consoles.Count; i++)
        {
            if (Consoles[i].Name.Contains("frame buffer", StringComparison.Ordinal))
            {
                Consoles[i] = (Consoles[i].Name, true);
            }
        }
    }

    public bool IsLoaded(string name) => ModuleLoaded(name.Replace('-', '_'));

    public void Load(string name, params IReadOnlyList<string> parameters)
    {
        ModuleCalls.Add("load " + string.Join(' ', [name, .. parameters]));
        Timeline.Add("load " + name);
        if (!Modules.TryGetValue(name.Replace('-', '_'), out var module))
        {
            throw new ModuleException(name, $"modprobe: FATAL: Module {name} not found");
        }
        module.Loaded = true;
        // Registering a driver probes every unbound device it matches.
        foreach (var device in Devices.Values.Where(d => d.Driver is null && module.Drivers.Contains(d.Override ?? d.Native)))
        {
            Probe(device, (device.Override ?? device.Native)!);
        }
    }

    public void Unload(string name)
    {
        ModuleCalls.Add("unload " + name);
        Timeline.Add("unload " + name);
        var key = name.Replace('-', '_');
        if (!Modules.TryGetValue(key, out var module) || !module.Loaded)
        {
            throw new ModuleException(name, $"Cannot unload module '{name}': ENOENT", Errno.ENOENT);
        }
        var heldByConsole = module.HeldByConsole && Consoles.Any(c => c.Bound && c.Name.Contains("frame buffer", StringComparison.Ordinal));
        if (module.BusyUnloads > 0 || module.Refcnt > 0 || module.Holders.Any(ModuleLoaded) || heldByConsole)
        {
            module.BusyUnloads = Math.Max(0, module.BusyUnloads - 1);
            throw new ModuleException(name, $"Cannot unload module '{name}': {Errno.Describe(Errno.EBUSY)}", Errno.EBUSY);
        }
        module.Loaded = false;
        foreach (var device in Devices.Values.Where(d => d.Driver is { } drv && module.Drivers.Contains(drv)))
        {
            device.Driver = null;
        }
    }

    private bool ModuleLoaded(string name) => Modules.TryGetValue(name, out var m) && m.Loaded;

    private bool DriverLoaded(string driver) =>
        BuiltinDrivers.Contains(driver) || Modules.Values.Any(m => m.Loaded && m.Drivers.Contains(driver));

    private int? ConsoleIndex(string name) =>
        name.StartsWith("vtcon", StringComparison.Ordinal) && int.TryParse(name[5..], CultureInfo.InvariantCulture, out var i) && i < Consoles.Count ? i : null;

    private static string[] Parts(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);
}
