using System.Text;

namespace HookDispatcher.Topology;

/// <summary>The libvirt XML of a proposal (formatdomain: "CPU Allocation", "CPU Tuning", "CPU model and topology").</summary>
internal static class PinXml
{
    public static string Render(PinProposal proposal)
    {
        var xml = new StringBuilder();
        xml.Append($"<vcpu placement='static'>{proposal.Vcpus}</vcpu>\n");
        if (proposal.IoThreads > 0)
        {
            xml.Append($"<iothreads>{proposal.IoThreads}</iothreads>\n");
        }
        xml.Append("<cputune>\n");
        for (var vcpu = 0; vcpu < proposal.Vcpus; vcpu++)
        {
            xml.Append($"  <vcpupin vcpu='{vcpu}' cpuset='{proposal.VcpuCpus[vcpu]}'/>\n");
        }
        xml.Append($"  <emulatorpin cpuset='{proposal.Emulator}'/>\n");
        for (var iothread = 1; iothread <= proposal.IoThreads; iothread++)
        {
            xml.Append($"  <iothreadpin iothread='{iothread}' cpuset='{proposal.Emulator}'/>\n");
        }
        xml.Append("</cputune>\n");
        var t = proposal.Topology;
        // Only the topology: the <cpu> mode (host-passthrough on KVM) stays whatever the domain has.
        xml.Append("<cpu>\n");
        xml.Append($"  <topology sockets='{t.Sockets}' dies='{t.Dies}' cores='{t.Cores}' threads='{t.Threads}'/>\n");
        xml.Append("</cpu>\n");
        return xml.ToString();
    }
}
