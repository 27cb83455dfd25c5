using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Cli;

public sealed class CliTests
{
    private const string Rule16 = """{ "hugepages": { "pageSize": "2M", "count": 16 } }""";

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void TestPrintsThePlanWithTheExactWritesAndTouchesNothing()
    {
        using var host = new SimulatedHost();
        host.Rule("vm1", Rule16);
        var xml = host.DomainXmlFile("vm1");
        var (code, output, _) = Run("--config", host.ConfigPath, "test", "vm1", "prepare", "--xml", xml);
        code.ShouldBe(0);
        output.ShouldContain("vm1 prepare begin: 1 step(s) — dry run, nothing is changed");
        output.ShouldContain("1. hugepages:2048kB: reserve 16 × 2048kB hugepages in the global pool");
        output.ShouldContain("write 16 to /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages (now 0)");
        host.Read(SimulatedHost.Nr2M).ShouldBe("0\n");
        Directory.Exists(host.StateDir).ShouldBeFalse();
    }

    [Fact]
    public void TestShowsEachNodesShareOfMemoryBoundToANodeSetAndWhatItIsDerivedFrom()
    {
        using var host = new SimulatedHost().WithNumaNodes(4);
        host.Rule("vm1", """{ "hugepages": true }""");
        var xml = Path.Join(host.Path, "vm1.xml");
        File.WriteAllText(xml, SimulatedHost.DomainXml("vm1", memoryMiB: 1026).Replace("<vcpu>", "<numatune><memory mode='strict' nodeset='1-2'/></numatune><vcpu>", StringComparison.Ordinal));
        var (code, output, _) = Run("--config", host.ConfigPath, "test", "vm1", "prepare", "--xml", xml);
        code.ShouldBe(0);
        output.ShouldContain("1. hugepages:2048kB@node1: reserve 257 × 2048kB hugepages on host node 1");
        output.ShouldContain("2. hugepages:2048kB@node2: reserve 256 × 2048kB hugepages on host node 2");
        output.ShouldContain("for guest memory: 1 GiB, <hugepages/> (the host's default size), <numatune><memory mode='strict' nodeset='1-2'>: "
            + "257 of its 513 pages, an even share over host nodes 1-2 (mode='strict' lets the kernel take them from any node of the set)");
        output.ShouldContain("write 256 to /sys/devices/system/node/node2/hugepages/hugepages-2048kB/nr_hugepages (now 0)");
        output.ShouldNotContain("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages");
    }

    [Fact]
    public void TheReadmesNodeSetExampleIsWhatTestPrints()
    {
        using var host = new SimulatedHost().WithNumaNodes(4);
        host.Rule("fedora", """{ "hugepages": true }""");
        var xml = Path.Join(host.Path, "fedora.xml");
        File.WriteAllText(xml, HookDispatcher.Tests.Domain.NumaDomainXml.DefaultDimm("fedora", 2048));
        var (code, output, _) = Run("--config", host.ConfigPath, "test", "fedora", "prepare", "--xml", xml);
        code.ShouldBe(0);
        var readme = File.ReadAllText(Path.Join(HookProcess.RepoRoot, "README.md"));
        var example = readme[(readme.IndexOf("  2. hugepages:2048kB@node1:", StringComparison.Ordinal))..];
        example = example[..example.IndexOf("\n```", StringComparison.Ordinal)];
        output.ShouldContain(example);
    }

    [Fact]
    public void ARuleSizeContradictingTheDomainXmlIsRefusedWithExit2AndOneLineNamingBothSizes()
    {
        using var host = new SimulatedHost();
        host.Rule("numa-workstation", """{ "hugepages": { "pageSize": "2M", "count": "auto" } }""");
        var xml = Path.Join(host.Path, "numa.xml");
        File.WriteAllText(xml, HookDispatcher.Tests.Domain.NumaDomainXml.Xml(HookDispatcher.Tests.Domain.NumaDomainXml.TwoSizes));
        var (code, output, error) = Run("--config", host.ConfigPath, "test", "numa-workstation", "prepare", "--xml", xml);
        code.ShouldBe(2);
        output.ShouldBeEmpty();
        error.ShouldMatch("^[^\n]*pageSize 2048kB in the rule contradicts the domain XML, which backs guest NUMA cell 0 with 1048576kB pages[^\n]*\n$");
    }

    [Fact]
    public void TestApplyRunsTheEventForRealAndReleaseUndoesIt()
    {
        using var host = new SimulatedHost();
        host.Rule("vm1", Rule16);
        var xml = host.DomainXmlFile("vm1");
        Run("--config", host.ConfigPath, "test", "vm1", "prepare", "--xml", xml, "--apply").Code.ShouldBe(0);
        host.Read(SimulatedHost.Nr2M).ShouldBe("16");

        var status = Run("--config", host.ConfigPath, "status");
        status.Out.ShouldContain("vm1:");
        status.Out.ShouldContain("hugepages:2048kB [done] at prepare begin");

        var dryRelease = Run("--config", host.ConfigPath, "test", "vm1", "release");
        dryRelease.Out.ShouldContain("1 step(s) to undo");
        host.Read(SimulatedHost.Nr2M).ShouldBe("16");

        var release = Run("--config", host.ConfigPath, "release", "vm1");
        (release.Code, release.Out.Trim()).ShouldBe((0, "vm1: released 1 step(s)"));
        host.Read(SimulatedHost.Nr2M).ShouldBe("0");
        Run("--config", host.ConfigPath, "status", "vm1").Out.Trim().ShouldBe("vm1: holds nothing");
    }

    [Fact]
    public void StatusShowsAnInterruptedStepHonestly()
    {
        using var host = new SimulatedHost();
        Directory.CreateDirectory(host.StateDir);
        File.WriteAllText(host.StateFile("vm1"), """
            { "version": 1, "domain": "vm1", "steps": [ { "id": "hugepages", "kind": "hugepages", "event": "prepare begin",
              "status": "Intent", "data": { "pool": "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages",
              "pageSizeBytes": "2097152", "node": "", "pages": "16", "baseline": "0", "start": "0" } } ] }
            """);
        var status = Run("--config", host.ConfigPath, "status", "vm1");
        // One line per record, its typed data compact on it (scripts grep it: e2e 06 reads refused=[…] there).
        status.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldBe([
            "vm1:",
            "  hugepages [intent] at prepare begin: pool=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages pageSizeBytes=2097152 "
            + "node=null pages=16 baselines={\"global\":0} start=0 granted=null (interrupted: may be partly applied; release undoes it)",
        ]);
    }

    [Fact]
    public void ValidateReportsEveryErrorWithFileAndLineAndExitsTwo()
    {
        using var host = new SimulatedHost();
        host.Rule("good", Rule16);
        host.Rule("bad", "{\n  \"hugepages\": { \"count\": -1, \"pageSize\": \"3M\" },\n  \"bogus\": 1\n}\n");
        var (code, output, errors) = Run("--config", host.ConfigPath, "validate");
        code.ShouldBe(2);
        output.ShouldContain("good: ok");
        var lines = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(3);
        lines.ShouldAllBe(l => l.StartsWith(Path.Join(host.RulesDir, "bad.json") + ":", StringComparison.Ordinal));
    }

    [Fact]
    public void ValidateOfAnUnknownDomainSaysThereAreNoRules()
    {
        using var host = new SimulatedHost();
        var (code, _, errors) = Run("--config", host.ConfigPath, "validate", "ghost");
        code.ShouldBe(2);
        errors.ShouldContain("ghost: no rules in");
    }

    [Fact]
    public void AMissingConfigFileIsReportedInOneLine()
    {
        var (code, _, errors) = Run("--config", "/nonexistent/config.json", "status");
        code.ShouldBe(2);
        errors.Trim().ShouldBe("hookctl: /nonexistent/config.json: config file not found");
    }

    [Fact]
    public void AnUnknownEventIsAUsageError()
    {
        var (code, _, errors) = Run("test", "vm1", "explode");
        code.ShouldBe(2);
        errors.ShouldContain("explode");
    }

    [Fact]
    public void TheBinaryPrintsItsVersion()
    {
        var result = HookProcess.Run(HookProcess.Binary, ["--version"]);
        result.ExitCode.ShouldBe(0);
        result.Stdout.ShouldStartWith("0.1.0");
    }
}
