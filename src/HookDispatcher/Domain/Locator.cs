using System.Xml;
using System.Xml.Linq;
using HookDispatcher.Values;

namespace HookDispatcher.Domain;

/// <summary>Converts domain XML values, failing with the position of the element or attribute at fault.</summary>
internal sealed class Locator(string sourceName)
{
    public DomainXmlException Fail(XObject at, string reason)
    {
        var info = (IXmlLineInfo)at;
        return info.HasLineInfo()
            ? new DomainXmlException(sourceName, reason, info.LineNumber, info.LinePosition)
            : new DomainXmlException(sourceName, reason);
    }

    public XAttribute Required(XElement element, string attribute) =>
        element.Attribute(attribute) ??
        throw Fail(element, $"<{element.Name}> has no '{attribute}' attribute");

    /// <summary>A libvirt scaled integer: the value with the element's <c>unit</c> attribute (default KiB).</summary>
    public ulong Size(XElement element, string value, string what, string? defaultUnit = null)
    {
        var unit = element.Attribute("unit");
        if (!ByteSize.TryUnitMultiplier(unit?.Value, out _))
        {
            throw Fail(unit!, $"{what} unit '{unit!.Value}' is not a libvirt unit (b, KiB, KB, MiB, MB, GiB, GB, …)");
        }
        return ByteSize.TryScale(value, unit?.Value ?? defaultUnit, out var bytes)
            ? bytes
            : throw Fail(element, $"{what} size '{value}' {unit?.Value ?? defaultUnit ?? "KiB"} is not a whole number of bytes below 2^64");
    }

    /// <summary>
    /// A <c>&lt;shmem&gt;</c>: libvirt reads its <c>&lt;size&gt;</c> with a default unit of bytes
    /// (virDomainParseScaledValue with scale 1), unlike <c>&lt;memory&gt;</c>'s KiB.
    /// </summary>
    public SharedMemoryDevice SharedMemory(XElement shmem)
    {
        var name = (string?)shmem.Attribute("name") ?? throw Fail(shmem, "<shmem> has no name");
        var size = shmem.Element("size");
        return new SharedMemoryDevice(
            name,
            (string?)shmem.Element("model")?.Attribute("type") ?? "ivshmem-plain",
            size is null ? null : Size(size, size.Value, "<shmem><size>", defaultUnit: "b"),
            shmem.Element("server") is not null);
    }

    public CpuSet Set(XAttribute attribute) =>
        CpuSet.TryParse(attribute.Value, out var set, out var error)
            ? set
            : throw Fail(attribute, $"<{attribute.Parent?.Name}> {attribute.Name}: {error}");

    public HugepageBacking Page(XElement page)
    {
        var size = Size(page, Required(page, "size").Value, "<page>");
        if (size == 0)
        {
            throw Fail(page, "<page> size is 0");
        }
        var nodeset = page.Attribute("nodeset");
        return new HugepageBacking(size, nodeset is null ? null : Set(nodeset));
    }

    public HostdevPci Hostdev(XElement hostdev)
    {
        var address = hostdev.Element("source")?.Element("address") ??
            throw Fail(hostdev, "PCI <hostdev> has no <source><address>");
        // libvirt writes all four; an older hand-written XML may leave out the domain, which libvirt reads as 0.
        if (!PciAddress.TryFromParts(
                (string?)address.Attribute("domain") ?? "0", (string?)address.Attribute("bus"),
                (string?)address.Attribute("slot"), (string?)address.Attribute("function"), out var pci, out var error))
        {
            throw Fail(address, error);
        }
        var managed = hostdev.Attribute("managed");
        return managed?.Value switch
        {
            null or "no" => new HostdevPci(pci, false),
            "yes" => new HostdevPci(pci, true),
            _ => throw Fail(managed, $"<hostdev> managed '{managed.Value}' is neither 'yes' nor 'no'"),
        };
    }
}
