using System.Text;
using HookDispatcher.Domain;
using HookDispatcher.Values;

namespace HookDispatcher.Topology;

/// <summary>
/// The host drawn as packages → last-level caches → cores → threads, each thread marked with what runs there
/// (host, vN = vCPU N, emu, ioN, idle), in plain text within a given width; ANSI colour only when asked.
/// </summary>
internal static class TopologyPicture
{
    public const string Legend = "vN vCPU N · emu emulator · ioN iothread N · host the host's · idle unused guest thread";

    /// <summary>Each pinned CPU's label: the vCPUs ("v3", "v0-7" for a floating pin), "emu" and the iothreads ("io1-2").</summary>
    public static Dictionary<int, string> Labels(DomainPins pins, CpuSet? idle = null)
    {
        var labels = new Dictionary<int, string>();
        foreach (var cpu in pins.Vcpu.Values.Append(pins.Emulator ?? CpuSet.Empty).Concat(pins.IoThread.Values).Append(idle ?? CpuSet.Empty).SelectMany(s => s.Cpus).Distinct())
        {
            var vcpus = pins.Vcpu.Where(p => p.Value.Contains(cpu)).Select(p => p.Key).Order().ToList();
            var iothreads = pins.IoThread.Where(p => p.Value.Contains(cpu)).Select(p => p.Key).Order().ToList();
            var parts = new List<string>();
            if (vcpus.Count > 0)
            {
                parts.Add("v" + CpuSet.ListSyntax(vcpus));
            }
            if (pins.Emulator?.Contains(cpu) == true)
            {
                parts.Add("emu");
            }
            if (iothreads.Count > 0)
            {
                parts.Add("io" + CpuSet.ListSyntax(iothreads));
            }
            if (parts.Count == 0 && idle?.Contains(cpu) == true)
            {
                parts.Add("idle");
            }
            // A thread many things float over is shown briefly rather than widening every cell.
            var label = string.Join('+', parts);
            labels[cpu] = label.Length <= MaxLabel ? label : label[..(MaxLabel - 1)] + "…";
        }
        return labels;
    }

    private const int MaxLabel = 10;

    public static IReadOnlyList<string> Render(CpuTopology topology, IReadOnlyDictionary<int, string> labels, int width, bool colour)
    {
        var numberWidth = topology.Cpus.Count == 0 ? 1 : topology.Cpus.Max(c => c.Id).ToString(System.Globalization.CultureInfo.InvariantCulture).Length;
        var labelWidth = Math.Max(4, labels.Values.Select(l => l.Length).DefaultIfEmpty(0).Max());
        var maxThreads = topology.Cores.Select(c => c.Threads.Count).DefaultIfEmpty(1).Max();
        var kinds = topology.Hybrid ? 1 : 0;
        var cellWidth = kinds + 2 + maxThreads * (numberWidth + 1 + labelWidth) + (maxThreads - 1) * 2;
        var lines = new List<string>();
        foreach (var package in topology.Cores.GroupBy(c => c.Package ?? -1).OrderBy(g => g.Key))
        {
            var nodes = package.Where(c => c.Node is not null).Select(c => c.Node!.Value).Distinct().Order().ToList();
            lines.Add($"package {(package.Key < 0 ? "unknown" : package.Key.ToString(System.Globalization.CultureInfo.InvariantCulture))}" +
                (nodes.Count == 0 ? "" : nodes.Count == 1 ? $", NUMA node {nodes[0]}" : $", NUMA nodes {CpuSet.Of(nodes)}"));
            foreach (var llc in package.GroupBy(c => c.Llc?.ToString()).OrderBy(g => g.First().Index))
            {
                var level = topology.Cpu(llc.First().First)?.LlcLevel;
                lines.Add(llc.Key is null ? "  last-level cache unknown" : $"  L{level} shared by CPUs {llc.Key}");
                var perLine = Math.Max(1, (width - 4 + 1) / (cellWidth + 1));
                foreach (var row in llc.Chunk(perLine))
                {
                    lines.Add("    " + string.Join(' ', row.Select(core => Cell(core, labels, numberWidth, labelWidth, cellWidth, kinds, colour))).TrimEnd());
                }
            }
        }
        if (!topology.Offline.IsEmpty)
        {
            var offline = topology.Offline.Cpus.Select(c => labels.TryGetValue(c, out var l) ? $"{c} {Paint(l, colour, offline: true)}" : $"{c}");
            lines.Add($"offline CPUs: {string.Join(", ", offline)}");
        }
        return lines;
    }

    private static string Cell(CpuCore core, IReadOnlyDictionary<int, string> labels, int numberWidth, int labelWidth, int cellWidth, int kinds, bool colour)
    {
        var plain = new StringBuilder();
        var painted = new StringBuilder();
        if (kinds > 0)
        {
            var kind = core.Kind switch { CoreKind.Performance => "P", CoreKind.Efficiency => "E", _ => "?" };
            plain.Append(kind);
            painted.Append(kind);
        }
        plain.Append('[');
        painted.Append('[');
        for (var i = 0; i < core.Threads.Count; i++)
        {
            var cpu = core.Threads.Cpus[i];
            var label = labels.GetValueOrDefault(cpu, "host");
            var number = cpu.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(numberWidth);
            var separator = i > 0 ? "  " : "";
            plain.Append(separator).Append(number).Append(' ').Append(label.PadRight(labelWidth));
            painted.Append(separator).Append(number).Append(' ').Append(Paint(label, colour)).Append(new string(' ', labelWidth - label.Length));
        }
        var pad = Math.Max(0, cellWidth - plain.Length - 1);
        return painted.Append(']').Append(new string(' ', pad)).ToString();
    }

    private static string Paint(string label, bool colour, bool offline = false)
    {
        if (!colour)
        {
            return label;
        }
        var code = offline ? "31" : label.StartsWith('v') ? "32" : label.StartsWith("emu", StringComparison.Ordinal) || label.StartsWith("io", StringComparison.Ordinal) ? "33" : "2";
        return $"\u001b[{code}m{label}\u001b[0m";
    }

    /// <summary>Colour only for a person at a terminal: stdout not redirected and NO_COLOR unset (no-color.org).</summary>
    public static bool ColourFor(TextWriter output) =>
        ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
}
