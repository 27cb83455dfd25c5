using System.Globalization;
using System.Xml.Linq;
using HookDispatcher.Values;

namespace HookDispatcher.Domain;

/// <summary>
/// Splits the guest's memory into <see cref="MemoryRegion"/>s the way libvirt hands it to QEMU (formatdomain:
/// "Memory Backing", "NUMA Node Tuning", "CPU model and topology / NUMA topology", "Memory devices"; the backend
/// choice follows qemuBuildMemoryBackendProps in libvirt's qemu_command.c).
/// </summary>
internal static class GuestMemoryReader
{
    public static IReadOnlyList<MemoryRegion> Read(XElement root, Locator at, ulong memoryBytes, IReadOnlyList<HugepageBacking> pages, bool hugepages)
    {
        var numa = new NumaTune(root.Element("numatune"), at);
        var backing = new Backing(pages, hugepages);
        var devices = root.Element("devices")?.Elements("memory").Select(d => Device(d, at, backing, numa, out var node) with { HostNodesMode = numa.ModeForCell(node) }).ToList() ?? [];
        var regions = new List<MemoryRegion>();
        var cells = root.Element("cpu")?.Element("numa")?.Elements("cell").ToList() ?? [];
        if (cells.Count == 0)
        {
            // formatdomain, <memory>: "The allocation includes possible additional memory devices specified at
            // start or hotplugged later", so the boot memory is what the devices leave. Without NUMA QEMU has one
            // RAM backend, which libvirt treats as guest node 0 when matching <page nodeset>.
            var deviceBytes = devices.Aggregate(0UL, (sum, d) => sum > ulong.MaxValue - d.SizeBytes
                ? throw at.Fail(root.Element("devices")!, "the <memory> devices' <target><size> add up to more than 2^64 bytes")
                : sum + d.SizeBytes);
            var size = memoryBytes > deviceBytes ? memoryBytes - deviceBytes : memoryBytes;
            regions.Add(backing.Region("guest memory", size, 0, numa.ForCell(0), numa.ForCellFrom(0)) with { HostNodesMode = numa.ModeForCell(0) });
        }
        for (var i = 0; i < cells.Count; i++)
        {
            var cell = cells[i];
            // formatdomain: cells without an id are "assigned ids in the increasing order starting from 0".
            var id = cell.Attribute("id") is { } idAttribute ? CellId(idAttribute, at) : i;
            var size = at.Size(cell, at.Required(cell, "memory").Value, "<cell> memory");
            regions.Add(backing.Region(FormattableString.Invariant($"guest NUMA cell {id}"), size, id, numa.ForCell(id), numa.ForCellFrom(id))
                with { HostNodesMode = numa.ModeForCell(id) });
        }
        regions.AddRange(devices);
        return regions;
    }

    /// <param name="node">The guest cell the device plugs into, whose numatune mode its backend gets (strict by default).</param>
    private static MemoryRegion Device(XElement device, Locator at, Backing backing, NumaTune numa, out int node)
    {
        var model = (string?)device.Attribute("model") ?? "dimm";
        var target = device.Element("target") ?? throw at.Fail(device, $"<memory model='{model}'> has no <target>");
        var sizeElement = target.Element("size") ?? throw at.Fail(target, $"<memory model='{model}'> has no <target><size>");
        var size = at.Size(sizeElement, sizeElement.Value, "<target><size>");
        var nodeElement = target.Element("node");
        node = nodeElement is null ? 0 : CellId(nodeElement, at);
        var name = FormattableString.Invariant($"memory device {model} (guest node {node})");
        var source = device.Element("source");
        // nvdimm and virtio-pmem are backed by the file in <source><path>, sgx-epc by the CPU's enclave memory:
        // none of them is hugepage memory.
        if (model is "nvdimm" or "virtio-pmem" or "sgx-epc" || source?.Element("path") is not null)
        {
            return new MemoryRegion(name, size, false, null, null, model == "sgx-epc" ? "SGX enclave memory" : "file-backed (<source><path>)");
        }
        var nodemask = source?.Element("nodemask");
        CpuSet? hostNodes = nodemask is null ? numa.ForCell(node) : Nodes(nodemask, at);
        var nodesFrom = nodemask is null ? numa.ForCellFrom(node) : "<source><nodemask>";
        if (source?.Element("pagesize") is { } pagesize)
        {
            // formatdomain, memory devices: "pagesize: … the size of host page to be used for the device" — it
            // wins over <memoryBacking>.
            var bytes = at.Size(pagesize, pagesize.Value, "<source><pagesize>");
            return Backing.WithPageSize(name, size, bytes, hostNodes, Join("<source><pagesize>", nodesFrom));
        }
        return backing.Region(name, size, node, hostNodes, nodesFrom);
    }

    private static int CellId(XObject value, Locator at)
    {
        var text = value is XAttribute a ? a.Value : ((XElement)value).Value;
        return int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id <= CpuSet.MaxCpu
            ? id
            : throw at.Fail(value, $"guest NUMA node '{text}' is not a number 0-{CpuSet.MaxCpu}");
    }

    private static CpuSet Nodes(XElement element, Locator at) =>
        CpuSet.TryParse(element.Value, out var set, out var error) ? set : throw at.Fail(element, $"<{element.Name}>: {error}");

    private static string Join(string a, string? b) => b is null ? a : $"{a}, {b}";

    /// <summary>Which page size backs which guest node (<c>&lt;memoryBacking&gt;&lt;hugepages&gt;</c>).</summary>
    private sealed class Backing(IReadOnlyList<HugepageBacking> pages, bool hugepages)
    {
        public MemoryRegion Region(string name, ulong size, int guestNode, CpuSet? hostNodes, string? nodesFrom)
        {
            if (!hugepages)
            {
                return new MemoryRegion(name, size, false, null, hostNodes, Join("no <memoryBacking><hugepages>", nodesFrom));
            }
            if (pages.Count == 0)
            {
                // formatdomain: <hugepages/> without <page> uses the host's default hugepage size.
                return new MemoryRegion(name, size, true, null, hostNodes, Join("<hugepages/> (the host's default size)", nodesFrom));
            }
            // libvirt takes the <page> whose nodeset (GUEST cells) holds the node, else the one without a nodeset;
            // with neither, the node gets ordinary memory.
            var page = pages.FirstOrDefault(p => p.Nodeset?.Contains(guestNode) == true);
            var from = page is null ? "<page> without nodeset" : $"<page nodeset='{page.Nodeset}'>";
            page ??= pages.FirstOrDefault(p => p.Nodeset is null);
            return page is null
                ? new MemoryRegion(name, size, false, null, hostNodes, Join("no <page nodeset> covers it", nodesFrom))
                : WithPageSize(name, size, page.PageSizeBytes, hostNodes, Join(from, nodesFrom));
        }

        public static MemoryRegion WithPageSize(string name, ulong size, ulong pageSize, CpuSet? hostNodes, string from) =>
            // libvirt treats a "hugepage" of the system page size as ordinary memory (no hugetlbfs path).
            pageSize == (ulong)Environment.SystemPageSize
                ? new MemoryRegion(name, size, false, null, hostNodes, from + " (the system page size: ordinary memory)")
                : new MemoryRegion(name, size, true, pageSize, hostNodes, from);
    }

    /// <summary>
    /// Host nodes per guest cell: <c>&lt;memnode cellid nodeset&gt;</c>, else <c>&lt;memory nodeset&gt;</c>
    /// (formatdomain, NUMA Node Tuning), each with its <c>mode</c> ("defaults to 'strict'"; memnode's "have the same
    /// meaning and syntax as in memory"); <c>placement='auto'</c> (numad) names none.
    /// </summary>
    private sealed class NumaTune
    {
        private static readonly string[] Modes = ["strict", "preferred", "interleave", "restrictive"];

        private readonly (CpuSet Nodes, string Mode, string From)? _memory;
        private readonly Dictionary<int, (CpuSet Nodes, string Mode, string From)> _cells = [];

        public NumaTune(XElement? numatune, Locator at)
        {
            if (numatune?.Element("memory") is { } memory && memory.Attribute("nodeset") is { } nodeset)
            {
                var mode = Mode(memory, at);
                _memory = (at.Set(nodeset), mode ?? "strict", $"<numatune><memory{Quoted(mode)} nodeset='{nodeset.Value}'>");
            }
            foreach (var memnode in numatune?.Elements("memnode") ?? [])
            {
                if (memnode.Attribute("nodeset") is { } cellNodes)
                {
                    var cell = CellId(at.Required(memnode, "cellid"), at);
                    var mode = Mode(memnode, at);
                    _cells[cell] = (at.Set(cellNodes), mode ?? "strict",
                        FormattableString.Invariant($"<memnode cellid='{cell}'{Quoted(mode)} nodeset='{cellNodes.Value}'>"));
                }
            }
        }

        public CpuSet? ForCell(int cell) => Binding(cell)?.Nodes;

        public string? ForCellFrom(int cell) => Binding(cell)?.From;

        /// <summary>The policy QEMU gets for the cell's backend: "strict" unless the XML says otherwise.</summary>
        public string ModeForCell(int cell) => Binding(cell)?.Mode ?? "strict";

        private (CpuSet Nodes, string Mode, string From)? Binding(int cell) => _cells.TryGetValue(cell, out var b) ? b : _memory;

        private static string? Mode(XElement element, Locator at) =>
            element.Attribute("mode") is not { } mode ? null
            : Modes.Contains(mode.Value) ? mode.Value
            : throw at.Fail(mode, $"<{element.Name} mode='{mode.Value}'> is not one of {string.Join(", ", Modes)}");

        private static string Quoted(string? mode) => mode is null ? "" : $" mode='{mode}'";
    }
}
