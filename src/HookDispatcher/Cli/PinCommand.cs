using System.CommandLine;
using System.Text.Json;
using HookDispatcher.Doctor;
using HookDispatcher.Domain;
using HookDispatcher.Hook;
using HookDispatcher.Topology;

namespace HookDispatcher.Cli;

/// <summary>
/// <c>hookctl pin DOMAIN [--vcpus N] [--host-cores K] [--xml FILE] [--json]</c>: proposes CPU pins for the host's
/// topology (read through the host root) and prints them as the libvirt XML to paste, with the rules and a picture.
/// Reads only.
/// </summary>
internal static class PinCommand
{
    public const int Width = 100;

    /// <summary>--vcpus not given: the domain's &lt;vcpu&gt; count.</summary>
    private const int Unset = -1;

    public static Command Create()
    {
        var domain = new Argument<string>("domain") { Description = "The libvirt domain name" }.DomainNames();
        var vcpus = new Option<int>("--vcpus") { Description = "vCPUs to place (default: the domain's <vcpu>)", DefaultValueFactory = _ => Unset };
        var hostCores = new Option<int>("--host-cores") { Description = "Whole cores the host keeps, the first ones (default 1)", DefaultValueFactory = _ => 1 };
        var xml = new Option<FileInfo?>("--xml") { Description = $"Domain XML file (default {DomainChecks.XmlDir}/DOMAIN.xml under the host root)" };
        var json = new Option<bool>("--json") { Description = "Print the proposal as one JSON document" };
        var command = new Command("pin", "Propose CPU pins that follow the host's topology: whole cores, one LLC, the GPU's NUMA node,\n" +
            "P-cores first, vCPU pairs on sibling threads. Prints the XML to paste (virsh edit); changes nothing.\n" +
            "Examples:\n  hookctl pin win11\n  hookctl pin win11 --vcpus 8 --host-cores 2\n  hookctl pin win11 --xml ./win11.xml --json")
        {
            domain,
            vcpus,
            hostCores,
            xml,
            json,
        };
        command.SetServicesAction((result, services, output, error) =>
        {
            var name = result.GetValue(domain)!;
            var xmlFile = result.GetValue(xml);
            var source = xmlFile?.FullName ?? services.Fs.Resolve($"{DomainChecks.XmlDir}/{name}.xml");
            var given = result.GetValue(vcpus);
            int? asked = given == Unset ? null : given;
            var keep = result.GetValue(hostCores);
            if (asked is < 1 || keep < 1)
            {
                error.WriteLine($"hookctl: pin: {(keep < 1 ? $"--host-cores {keep}" : $"--vcpus {asked}")} must be at least 1");
                return ExitCodes.Invalid;
            }
            DomainInfo? info = null;
            if (File.Exists(source))
            {
                try
                {
                    info = DomainXmlReader.Parse(File.ReadAllText(source), source);
                }
                catch (Exception e) when (e is DomainXmlException or IOException or UnauthorizedAccessException)
                {
                    error.WriteLine($"hookctl: {e.Message}");
                    return ExitCodes.Invalid;
                }
            }
            else if (xmlFile is not null || asked is null)
            {
                error.WriteLine($"hookctl: pin: '{source}' does not exist; give --xml FILE{(asked is null ? " or --vcpus N" : "")}");
                return ExitCodes.Invalid;
            }
            var count = asked ?? info?.Pins.Vcpus;
            if (count is not { } n || n < 1)
            {
                error.WriteLine($"hookctl: pin: {source} has no <vcpu> count; give --vcpus N");
                return ExitCodes.Invalid;
            }
            var topology = CpuTopologyReader.Read(services.Fs);
            var request = new PinRequest(n, keep, info?.Pins.IoThreads ?? 0,
                info?.Hostdevs.Select(h => new PciNode(h.Address, CpuTopologyReader.PciNode(services.Fs, h.Address))).ToList() ?? [],
                info?.NumaMemoryNodes);
            var proposal = PinPlanner.Plan(topology, request, out var why);
            var picture = proposal is null ? [] : TopologyPicture.Render(topology, TopologyPicture.Labels(proposal.AsPins(), proposal.Idle), Width, colour: false);
            if (result.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(Json(name, topology, request, proposal, picture, why), CliJsonContext.Default.PinJson));
            }
            else if (proposal is null)
            {
                error.WriteLine($"hookctl: pin {name}: {why}");
            }
            else
            {
                var colour = TopologyPicture.ColourFor(output);
                Print(output, name, topology, proposal, colour ? TopologyPicture.Render(topology, TopologyPicture.Labels(proposal.AsPins(), proposal.Idle), Width, colour) : picture);
            }
            return proposal is null ? ExitCodes.ActionFailed : ExitCodes.Ok;
        });
        return command;
    }

    private static void Print(TextWriter output, string name, CpuTopology topology, PinProposal proposal, IReadOnlyList<string> picture)
    {
        output.WriteLine($"host: {topology.Summary()}");
        output.WriteLine($"{name}: {proposal.Vcpus} vCPU(s) on {proposal.GuestCores.Count} core(s); the host keeps CPUs {proposal.HostCpus}");
        output.WriteLine("rules:");
        for (var i = 0; i < proposal.Rules.Count; i++)
        {
            output.WriteLine($"  {i + 1}. {proposal.Rules[i]}");
        }
        output.WriteLine();
        foreach (var line in picture)
        {
            output.WriteLine(line);
        }
        output.WriteLine(TopologyPicture.Legend);
        output.WriteLine();
        output.WriteLine($"Paste into the domain (virsh edit {name}), replacing <vcpu>, <cputune> and the <topology> inside <cpu>:");
        output.WriteLine();
        output.Write(PinXml.Render(proposal));
    }

    private static PinJson Json(string name, CpuTopology topology, PinRequest request, PinProposal? proposal, IReadOnlyList<string> picture, string error) =>
        proposal is null
            ? new PinJson(name, topology.Summary(), request.Vcpus, request.HostCores, null, [], null, [], null, [], null, [], error)
            : new PinJson(name, topology.Summary(), proposal.Vcpus, request.HostCores, proposal.HostCpus.ToString(),
                proposal.VcpuCpus,
                proposal.Emulator.ToString(),
                Enumerable.Repeat(proposal.Emulator.ToString(), proposal.IoThreads).ToList(),
                new TopologyJson(proposal.Topology.Sockets, proposal.Topology.Dies, proposal.Topology.Cores, proposal.Topology.Threads),
                proposal.Rules, PinXml.Render(proposal), picture);
}
