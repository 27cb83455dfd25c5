using HookDispatcher.Topology;
using Shouldly;

namespace HookDispatcher.Tests.Topology;

public sealed class TopologyPictureTests
{
    public static TheoryData<string> Hosts => ["amd", "hybrid", "server", "laptop", "offline"];

    private static SysfsTopology Host(string name) => name switch
    {
        "amd" => SimHosts.AmdDesktop(),
        "hybrid" => SimHosts.IntelHybrid(),
        "server" => SimHosts.TwoSocket(),
        "laptop" => SimHosts.Laptop(),
        _ => SimHosts.WithOffline(),
    };

    private static (CpuTopology Topology, PinProposal Proposal) Proposal(string name, int vcpus)
    {
        var topology = CpuTopologyReader.Read(Host(name).Fs());
        return (topology, PinPlanner.Plan(topology, new PinRequest(vcpus, 1, 2, [], null), out var error) ?? throw new InvalidOperationException(error));
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public void ThePlainPictureOfEveryHostFitsInOneHundredColumnsAndMarksEveryOnlineThreadOnce(string name)
    {
        var (topology, proposal) = Proposal(name, 3);
        var lines = TopologyPicture.Render(topology, TopologyPicture.Labels(proposal.AsPins(), proposal.Idle), 100, colour: false);
        lines.ShouldAllBe(l => l.Length <= 100 && !l.Contains('\u001b'));
        var text = string.Join('\n', lines);
        foreach (var cpu in topology.Online.Cpus)
        {
            text.ShouldContain($"{cpu} ");
        }
        text.ShouldContain($"{proposal.VcpuCpus[2]} v2");
        text.ShouldContain("emu+io1-2");
    }

    [Fact]
    public void TheHybridPictureTellsPCoresFromECores()
    {
        var (topology, proposal) = Proposal("hybrid", 2);
        var text = string.Join('\n', TopologyPicture.Render(topology, TopologyPicture.Labels(proposal.AsPins()), 100, colour: false));
        text.ShouldContain("P[ 2 v0");
        text.ShouldContain("E[16 host");
    }

    [Fact]
    public void OfflineCpusAreListedApartWithWhatIsPinnedToThem()
    {
        var topology = CpuTopologyReader.Read(SimHosts.WithOffline().Fs());
        var labels = new Dictionary<int, string> { [13] = "v1" };
        TopologyPicture.Render(topology, labels, 100, colour: false)[^1].ShouldBe("offline CPUs: 7, 13 v1, 15");
    }

    [Fact]
    public void ColourIsAddedOnlyWhenAskedAndNeverWidensTheCells()
    {
        var (topology, proposal) = Proposal("amd", 8);
        var labels = TopologyPicture.Labels(proposal.AsPins());
        var plain = TopologyPicture.Render(topology, labels, 100, colour: false);
        var painted = TopologyPicture.Render(topology, labels, 100, colour: true);
        painted.ShouldContain(l => l.Contains("\u001b[32mv0\u001b[0m", StringComparison.Ordinal));
        painted.Select(l => System.Text.RegularExpressions.Regex.Replace(l, "\u001b\\[[0-9;]*m", "")).ShouldBe(plain);
        TopologyPicture.ColourFor(new StringWriter()).ShouldBeFalse();
    }
}
