using System.Globalization;
using System.Xml.Linq;
using HookDispatcher.Values;

namespace HookDispatcher.Domain;

/// <summary>Reads <see cref="DomainPins"/> from the domain element; a value that is not a number fails with its position.</summary>
internal static class DomainPinsReader
{
    public static DomainPins Read(XElement root, Locator at)
    {
        var cputune = root.Element("cputune");
        var vcpu = root.Element("vcpu");
        var iothreads = root.Element("iothreads");
        var topology = root.Element("cpu")?.Element("topology");
        return new DomainPins(
            vcpu is null ? null : Number(at, vcpu, vcpu.Value, "<vcpu>"),
            iothreads is not null ? Number(at, iothreads, iothreads.Value, "<iothreads>") : root.Element("iothreadids")?.Elements("iothread").Count() ?? 0,
            Pins(cputune, "vcpupin", "vcpu", at),
            cputune?.Element("emulatorpin") is { } emulator ? at.Set(at.Required(emulator, "cpuset")) : null,
            Pins(cputune, "iothreadpin", "iothread", at),
            topology is null ? null : new GuestCpuTopology(
                Attribute(at, topology, "sockets"), Attribute(at, topology, "dies"),
                Attribute(at, topology, "cores"), Attribute(at, topology, "threads")));
    }

    private static Dictionary<int, CpuSet> Pins(XElement? cputune, string element, string id, Locator at)
    {
        var pins = new Dictionary<int, CpuSet>();
        foreach (var pin in cputune?.Elements(element) ?? [])
        {
            var number = at.Required(pin, id);
            pins[Number(at, number, number.Value, $"<{element}> {id}")] = at.Set(at.Required(pin, "cpuset"));
        }
        return pins;
    }

    // A missing topology attribute is 1, as libvirt takes it.
    private static int Attribute(Locator at, XElement topology, string name) =>
        topology.Attribute(name) is { } attribute ? Number(at, attribute, attribute.Value, $"<topology> {name}", minimum: 1) : 1;

    private static int Number(Locator at, XObject where, string text, string what, int minimum = 0) =>
        int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= minimum && value <= CpuSet.MaxCpu + 1
            ? value
            : throw at.Fail(where, $"{what} '{text.Trim()}' is not a whole number {minimum}-{CpuSet.MaxCpu + 1}");
}
