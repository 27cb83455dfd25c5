using System.Globalization;
using HookDispatcher.Host;
using HookDispatcher.Values;

namespace HookDispatcher.Handlers.Gpu;

/// <summary>The sysfs paths and reads of one PCI function, and of the PCI bus's drivers.</summary>
internal static class PciSysfs
{
    public const string Devices = "/sys/bus/pci/devices";
    public const string Drivers = "/sys/bus/pci/drivers";
    public const string DriversProbe = "/sys/bus/pci/drivers_probe";
    public const uint BridgeClass = 0x0604;

    /// <summary>Rescans every PCI bus; <see cref="BusRescan"/> is the narrower one a recovery uses when it exists.</summary>
    public const string Rescan = "/sys/bus/pci/rescan";

    public static string Device(PciAddress address) => $"{Devices}/{address}";

    /// <summary>Writing 1 removes the function from the kernel (its driver's remove() runs first).</summary>
    public static string Remove(PciAddress address) => $"{Device(address)}/remove";

    /// <summary>
    /// The function's own bus's rescan: "force a rescan of the bus and all child buses, and re-discover devices
    /// removed earlier from this part of the device tree" (Documentation/ABI/testing/sysfs-bus-pci).
    /// </summary>
    public static string BusRescan(PciAddress address) => $"/sys/class/pci_bus/{address.ToString()[..7]}/rescan";

    /// <summary>
    /// The reset methods in force, in order (space-separated names). "Reading this file will give names of the
    /// device supported reset methods and their ordering. After write, ... currently enabled reset methods"; the file
    /// exists only for a function that has at least one (Documentation/ABI/testing/sysfs-bus-pci, Linux 5.15+).
    /// </summary>
    public static string ResetMethodFile(PciAddress address) => $"{Device(address)}/reset_method";

    /// <summary>The methods <see cref="ResetMethodFile"/> lists, or null when the function has no such file.</summary>
    public static IReadOnlyList<string>? ResetMethods(IHostFs fs, PciAddress address) =>
        fs.Exists(ResetMethodFile(address))
            ? fs.ReadText(ResetMethodFile(address)).Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries)
            : null;

    public static bool IsDisplay(uint cls) => cls >> 16 == 0x03;

    /// <summary>The vendor and device IDs (<c>vendor</c>, <c>device</c>: "0x1002"), or null when unreadable.</summary>
    public static (ushort Vendor, ushort Device)? Ids(IHostFs fs, PciAddress address)
    {
        static ushort? Hex(IHostFs fs, string path)
        {
            if (!fs.Exists(path))
            {
                return null;
            }
            var text = fs.ReadText(path).Trim();
            return ushort.TryParse(text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var v) ? v : null;
        }
        return Hex(fs, $"{Device(address)}/vendor") is { } vendor && Hex(fs, $"{Device(address)}/device") is { } device ? (vendor, device) : null;
    }

    public static string DriverOverride(PciAddress address) => $"{Device(address)}/driver_override";

    public static string Bind(string driver) => $"{Drivers}/{driver}/bind";

    public static string Unbind(string driver) => $"{Drivers}/{driver}/unbind";

    public static bool DriverLoaded(IHostFs fs, string driver) => fs.Exists($"{Drivers}/{driver}");

    /// <summary>The bound driver's name (the last part of the <c>driver</c> link), or null when unbound.</summary>
    public static string? Driver(IHostFs fs, PciAddress address) =>
        fs.ReadLink($"{Device(address)}/driver") is { } target ? Path.GetFileName(target) : null;

    /// <summary>The IOMMU group number, or null when the IOMMU is off (no <c>iommu_group</c> link).</summary>
    public static string? Group(IHostFs fs, PciAddress address) =>
        fs.ReadLink($"{Device(address)}/iommu_group") is { } target ? Path.GetFileName(target) : null;

    public static IReadOnlyList<PciAddress> GroupMembers(IHostFs fs, string group) =>
        fs.ListDirectory($"/sys/kernel/iommu_groups/{group}/devices")
            .Select(n => PciAddress.TryParse(n, out var a) ? a : (PciAddress?)null)
            .OfType<PciAddress>()
            .ToList();

    /// <summary>The 24-bit class code (0x030000 = VGA controller).</summary>
    public static uint Class(IHostFs fs, PciAddress address)
    {
        var text = fs.ReadText($"{Device(address)}/class").Trim();
        var digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        return uint.TryParse(digits, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new HostIoException("parse", fs.Resolve($"{Device(address)}/class"), text, Errno.EINVAL);
    }

    public static bool IsBootVga(IHostFs fs, PciAddress address) =>
        fs.Exists($"{Device(address)}/boot_vga") && fs.ReadText($"{Device(address)}/boot_vga").Trim() == "1";

    /// <summary>driver_override as read back: the kernel shows "(null)" when none is set; null here.</summary>
    public static string? Override(IHostFs fs, PciAddress address)
    {
        var text = fs.ReadText(DriverOverride(address)).Trim();
        return text is "" or "(null)" ? null : text;
    }

    public static string ClassName(uint cls) => (cls >> 16) switch
    {
        0x01 => "storage controller",
        0x02 => "network controller",
        0x03 => "display controller",
        0x04 => "multimedia device",
        0x06 => (cls >> 8) switch
        {
            BridgeClass => "PCI bridge",
            0x0600 => "host bridge",
            0x0601 => "ISA bridge",
            _ => "bridge",
        },
        0x0c => (cls >> 8) == 0x0c03 ? "USB controller" : "serial bus controller",
        _ => "device",
    };

    /// <summary>Binding is synchronous in the write, but udev and /dev/vfio nodes follow asynchronously.</summary>
    public static bool WaitFor(Func<bool> condition, TimeSpan timeout) => Poll.Until(condition, timeout, TimeSpan.FromMilliseconds(10));
}
