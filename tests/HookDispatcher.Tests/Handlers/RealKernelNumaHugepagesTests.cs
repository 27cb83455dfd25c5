using HookDispatcher.Domain;
using HookDispatcher.Engine;
using HookDispatcher.Handlers.Hugepages;
using HookDispatcher.Host;
using HookDispatcher.Rules;
using HookDispatcher.Tests.Support;
using HookDispatcher.Values;
using Shouldly;

namespace HookDispatcher.Tests.Handlers;

/// <summary>
/// Reservations from NUMA domain XML on this machine's real kernel (node0 and both page sizes exist here): the
/// global and node0 pools of both sizes are restored exactly, whatever the order of the domains.
/// </summary>
[Collection(RealKernel.Collection)]
public sealed class RealKernelNumaHugepagesTests
{
    private static readonly HugepagesRule Auto = new(null, null, null, Escalation.IfShort, Escalation.IfShort, 5, Stage.Prepare);

    private static readonly string[] Files =
    [
        "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages",
        "/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages",
        "/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages",
        "/sys/devices/system/node/node0/hugepages/hugepages-1048576kB/nr_hugepages",
    ];

    /// <summary>Two guest cells: cell 0 on 1 GiB pages bound to host node 0, cell 1 on 2 MiB pages, unbound.</summary>
    private const string TwoSizesXml = """
        <domain type='kvm'>
          <name>real-numa</name>
          <memory unit='KiB'>1052672</memory>
          <memoryBacking>
            <hugepages>
              <page size='1048576' unit='KiB' nodeset='0'/>
              <page size='2048' unit='KiB' nodeset='1'/>
            </hugepages>
          </memoryBacking>
          <vcpu placement='static'>2</vcpu>
          <numatune>
            <memnode cellid='0' mode='strict' nodeset='0'/>
          </numatune>
          <cpu mode='host-passthrough'>
            <numa>
              <cell id='0' cpus='0' memory='1048576' unit='KiB'/>
              <cell id='1' cpus='1' memory='4096' unit='KiB'/>
            </numa>
          </cpu>
          <devices><memballoon model='none'/></devices>
        </domain>
        """;

    private static string OnePool(string name, string numatune) => $"""
        <domain type='kvm'>
          <name>{name}</name>
          <memory unit='MiB'>8</memory>
          <memoryBacking><hugepages><page size='2' unit='MiB'/></hugepages></memoryBacking>
          {numatune}
        </domain>
        """;

    [Fact]
    public void ADomainNeedingBothSizesIsReservedAndReleasedExactly()
    {
        using var exclusive = RequireNode0WithBothSizes();
        var fs = new HostFs("/");
        var found = Snapshot();
        using var dir = new TempDir();
        var executor = Executor(fs, dir);
        try
        {
            executor.Apply("real-numa", null, "prepare begin", Plan(fs, TwoSizesXml), undoStaleFirst: true, Fixtures.Log);
            var now = Snapshot();
            now[1].ShouldBe(found[1] + 1, "one 1 GiB page");
            now[3].ShouldBe(found[3] + 1, "on node 0");
            now[0].ShouldBe(found[0] + 2, "two 2 MiB pages");
            executor.Release("real-numa", Fixtures.Log).ShouldBeEmpty();
            Snapshot().ShouldBe(found);
        }
        finally
        {
            Restore(fs, found);
        }
    }

    [Theory]
    [InlineData("AaBb")]
    [InlineData("ABab")]
    [InlineData("ABba")]
    [InlineData("BAab")]
    [InlineData("BAba")]
    [InlineData("BbAa")]
    public void ANode0DomainAndAGlobalDomainInAnyOrderLeaveEveryPoolAsFound(string order)
    {
        using var exclusive = RequireNode0WithBothSizes();
        var fs = new HostFs("/");
        var found = Snapshot();
        using var dir = new TempDir();
        var executor = Executor(fs, dir);
        var xml = new Dictionary<char, (string Name, string Xml)>
        {
            ['a'] = ("on-node0", OnePool("on-node0", "<numatune><memory mode='strict' nodeset='0'/></numatune>")),
            ['b'] = ("global", OnePool("global", "")),
        };
        try
        {
            var held = 0L;
            foreach (var op in order)
            {
                var (name, domainXml) = xml[char.ToLowerInvariant(op)];
                if (char.IsUpper(op))
                {
                    executor.Apply(name, null, "prepare begin", Plan(fs, domainXml), undoStaleFirst: true, Fixtures.Log);
                    held += 4;
                }
                else
                {
                    executor.Release(name, Fixtures.Log).ShouldBeEmpty();
                    held -= 4;
                }
                var now = Snapshot();
                (now[0] - found[0]).ShouldBe(held, $"global 2M pool after '{op}' in {order}");
                (now[2] - found[2]).ShouldBe(held, $"node0 2M pool after '{op}' in {order}");
            }
            Snapshot().ShouldBe(found);
        }
        finally
        {
            Restore(fs, found);
        }
    }

    private static IReadOnlyList<Step> Plan(IHostFs fs, string xml) =>
        new Planner([new HugepagesHandler()]).Plan(new PlanContext(Stage.Prepare, Fixtures.Rules(Auto), DomainXmlReader.Parse(xml, "test"), fs));

    private static Executor Executor(IHostFs fs, TempDir dir) =>
        new(fs, new StateStore(dir.Join("state")), [new HugepagesHandler()], TimeSpan.FromSeconds(5));

    private static long[] Snapshot() => Files.Select(f => long.Parse(File.ReadAllText(f).Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Puts the node0 pools back (the global ones follow: this host has one node).</summary>
    private static void Restore(IHostFs fs, long[] found)
    {
        new HugepagePool(ByteSize.TwoMiB, 0).Write(fs, found[2]);
        new HugepagePool(ByteSize.OneGiB, 0).Write(fs, found[3]);
    }

    private static IDisposable RequireNode0WithBothSizes()
    {
        var exclusive = RealKernel.RequireRootWithHugepages();
        if (!Files.All(File.Exists) || Directory.Exists("/sys/devices/system/node/node1"))
        {
            exclusive.Dispose();
            Assert.Skip("needs a one-node kernel with node0 pools of 2048kB and 1048576kB pages");
        }
        return exclusive;
    }
}
