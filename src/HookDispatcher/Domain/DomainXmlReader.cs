using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using HookDispatcher.Values;

namespace HookDispatcher.Domain;

/// <summary>
/// Reads the fields the dispatcher needs from libvirt's live domain XML (the hook's stdin). Anything wrong with the
/// input surfaces as a <see cref="DomainXmlException"/> naming the source, line and column.
/// </summary>
internal static partial class DomainXmlReader
{
    /// <summary>A live domain XML is a few KiB; anything this large is not libvirt talking.</summary>
    public const int MaxBytes = 4 * 1024 * 1024;

    public static DomainInfo Read(Stream xml, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(xml);
        var limited = new SizeLimitedStream(xml, MaxBytes, () => TooLarge(sourceName));
        var buffer = new MemoryStream();
        try
        {
            // A live XML is a few KiB: CopyTo's default 80 KB buffer (a fresh 128 KB array from the pool) costs more
            // than the read.
            limited.CopyTo(buffer, 16 * 1024);
        }
        catch (IOException e)
        {
            throw new DomainXmlException(sourceName, $"cannot read domain XML: {e.Message}", inner: e);
        }
        var bytes = buffer.GetBuffer();
        var length = (int)buffer.Length;
        return Extract(Load(() => XmlReader.Create(new MemoryStream(bytes, 0, length, writable: false), Settings()), sourceName), sourceName);
    }

    public static DomainInfo Parse(string xml, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(xml);
        if (xml.Length > MaxBytes || Encoding.UTF8.GetByteCount(xml) > MaxBytes)
        {
            throw TooLarge(sourceName);
        }
        return Extract(Load(() => XmlReader.Create(new StringReader(xml), Settings()), sourceName), sourceName);
    }

    // No DTD means no entities at all: nothing can expand, nothing can reach the file system or network.
    private static XmlReaderSettings Settings() => new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        CloseInput = false,
    };

    private static DomainXmlException TooLarge(string sourceName) =>
        new(sourceName, $"domain XML exceeds {MaxBytes} bytes");

    /// <summary>libvirt's XML is a handful of levels deep; loading a tree is quadratic in its depth.</summary>
    public const int MaxDepth = 64;

    private static XElement Load(Func<XmlReader> open, string sourceName)
    {
        try
        {
            // A cheap forward scan first, so a hostile nesting depth is refused before the tree is built.
            using (var scan = open())
            {
                while (scan.Read())
                {
                    if (scan.Depth > MaxDepth)
                    {
                        var at = (IXmlLineInfo)scan;
                        throw new DomainXmlException(sourceName, $"elements nested deeper than {MaxDepth} levels", at.LineNumber, at.LinePosition);
                    }
                }
            }
            using var reader = open();
            return XDocument.Load(reader, LoadOptions.SetLineInfo).Root!;
        }
        catch (XmlException e)
        {
            // A prohibited DTD comes without a position (LineNumber 0), and .NET's text advises enabling DTDs.
            var reason = e.Message.Contains("DTD", StringComparison.Ordinal)
                ? "a DTD (<!DOCTYPE …>) is not allowed in domain XML"
                : PositionSuffix().Replace(e.Message, "");
            throw new DomainXmlException(sourceName, reason, e.LineNumber, e.LinePosition, e);
        }
        catch (IOException e)
        {
            throw new DomainXmlException(sourceName, $"cannot read domain XML: {e.Message}", inner: e);
        }
    }

    // XmlException appends " Line 3, position 7." to its message; the position goes in front instead.
    [GeneratedRegex(@"\s*Line \d+, position \d+\.\s*$")]
    private static partial Regex PositionSuffix();

    private static DomainInfo Extract(XElement root, string sourceName)
    {
        var at = new Locator(sourceName);
        if (root.Name != "domain")
        {
            throw at.Fail(root, $"root element is <{root.Name}>, expected <domain>");
        }
        var name = root.Element("name") ?? throw at.Fail(root, "no <name> element");
        if (string.IsNullOrWhiteSpace(name.Value))
        {
            throw at.Fail(name, "<name> is empty");
        }
        var uuid = root.Element("uuid")?.Value.Trim();
        var memory = root.Element("memory") ?? throw at.Fail(root, "no <memory> element");
        var hugepages = root.Element("memoryBacking")?.Element("hugepages");
        var nodeset = root.Element("numatune")?.Element("memory")?.Attribute("nodeset");
        var memoryBytes = at.Size(memory, memory.Value, "<memory>");
        var pages = hugepages?.Elements("page").Select(at.Page).ToArray() ?? [];
        return new DomainInfo(
            name.Value.Trim(),
            string.IsNullOrEmpty(uuid) ? null : uuid,
            memoryBytes,
            pages,
            hugepages is not null,
            nodeset is null ? null : at.Set(nodeset),
            PinnedCpus(root, at),
            // ConvertAll, not Select: Select on a LINQ iterator (here Where's) is a generic virtual call, and native AOT
            // resolves each one the first time through its type tables, ~0.1 ms per call site (bench/README.md).
            Array.ConvertAll([.. root.Element("devices")?.Elements("hostdev").Where(IsPci) ?? []], at.Hostdev),
            VcpuPinnedCpus(root.Element("cputune"), at))
        {
            MemoryRegions = GuestMemoryReader.Read(root, at, memoryBytes, pages, hugepages is not null),
            Pins = DomainPinsReader.Read(root, at),
            SharedMemory = root.Element("devices")?.Elements("shmem").Select(at.SharedMemory).ToArray() ?? [],
            QemuMemoryFiles = QemuPassthroughReader.Read(root),
        };
    }

    private static CpuSet VcpuPinnedCpus(XElement? cputune, Locator at) =>
        (cputune?.Elements("vcpupin") ?? []).Aggregate(CpuSet.Empty, (pinned, pin) => pinned.Union(at.Set(at.Required(pin, "cpuset"))));

    private static CpuSet PinnedCpus(XElement root, Locator at)
    {
        // formatdomain, <vcpu cpuset>: "the physical CPUs to which domain process and virtual CPUs can be pinned by
        // default" — a restriction as binding as a pin (vcpupin only narrows it per vCPU).
        var cpuset = root.Element("vcpu")?.Attribute("cpuset");
        var pinned = cpuset is null ? CpuSet.Empty : at.Set(cpuset);
        var cputune = root.Element("cputune");
        foreach (var pin in cputune?.Elements() ?? [])
        {
            if (pin.Name == "vcpupin" || pin.Name == "emulatorpin" || pin.Name == "iothreadpin")
            {
                pinned = pinned.Union(at.Set(at.Required(pin, "cpuset")));
            }
        }
        return pinned;
    }

    // libvirt's default hostdev mode is subsystem; mode='capabilities' and usb/scsi/mdev sources are not PCI.
    private static bool IsPci(XElement hostdev) =>
        ((string?)hostdev.Attribute("mode") ?? "subsystem") == "subsystem" && (string?)hostdev.Attribute("type") == "pci";
}
