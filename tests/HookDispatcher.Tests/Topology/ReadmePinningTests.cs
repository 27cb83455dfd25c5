using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Topology;

/// <summary>The README's "Pinning your CPUs" walk-through is what <c>hookctl pin</c> prints today, not a drawing from memory.</summary>
public sealed class ReadmePinningTests
{
    [Fact]
    public void TheReadmesPinningExampleIsWhatHookctlPinPrintsForTheRyzen5950XHost()
    {
        using var host = new SimulatedHost();
        SimHosts.AmdDesktop().WriteTo(host);
        host.Write("etc/libvirt/qemu/win11.xml", """
            <domain type='kvm'>
              <name>win11</name>
              <memory unit='GiB'>16</memory>
              <vcpu placement='static'>12</vcpu>
              <iothreads>1</iothreads>
            </domain>
            """);
        var (code, output, error) = CliRunner.Run("--config", host.ConfigPath, "pin", "win11");
        code.ShouldBe(0, error);

        var readme = File.ReadAllText(Path.Join(HookProcess.RepoRoot, "README.md"));
        var section = readme[readme.IndexOf("## Pinning your CPUs", StringComparison.Ordinal)..];
        const string Fence = "```text\n$ hookctl pin win11\n";
        var start = section.IndexOf(Fence, StringComparison.Ordinal);
        start.ShouldBeGreaterThan(0, "the section shows the command and its output in a ```text block");
        var block = section[(start + Fence.Length)..section.IndexOf("```\n", start + Fence.Length, StringComparison.Ordinal)];
        block.ShouldBe(output);
    }
}
