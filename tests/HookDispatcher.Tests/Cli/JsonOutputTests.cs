using System.Text.Json;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Cli;

/// <summary><c>hookctl test … --json</c> and <c>hookctl status --json</c>: the documented schema (hookctl(1)).</summary>
public sealed class JsonOutputTests
{
    private const string Rule16 = """{ "hugepages": { "pageSize": "2M", "count": 16 } }""";

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    /// <summary>Rules for vm1 and a domain XML file naming <paramref name="xmlName"/>; returns the file.</summary>
    private static string Vm1(SimulatedHost host, string xmlName)
    {
        host.Rule("vm1", Rule16);
        return host.DomainXmlFile(xmlName, "vm1");
    }

    [Fact]
    public void TestJsonHasOneObjectPerStepWithItsWrites()
    {
        using var host = new SimulatedHost();
        var xml = Vm1(host, "vm1");
        var (code, output, _) = Run("--config", host.ConfigPath, "test", "vm1", "prepare", "--xml", xml, "--json");
        code.ShouldBe(0);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        root.GetProperty("domain").GetString().ShouldBe("vm1");
        root.GetProperty("event").GetString().ShouldBe("prepare begin");
        root.GetProperty("dryRun").GetBoolean().ShouldBeTrue();
        root.GetProperty("rules").EnumerateArray().Single().GetString().ShouldEndWith("vm1.json");
        root.GetProperty("state").GetString().ShouldBe(host.StateFile("vm1"));
        root.GetProperty("hostRoot").GetString().ShouldBe(host.HostRoot);
        root.TryGetProperty("error", out _).ShouldBeFalse();
        var step = root.GetProperty("steps").EnumerateArray().Single();
        step.GetProperty("id").GetString().ShouldBe("hugepages:2048kB");
        step.GetProperty("kind").GetString().ShouldBe("hugepages");
        step.GetProperty("summary").GetString().ShouldBe("reserve 16 × 2048kB hugepages in the global pool");
        step.GetProperty("writes").EnumerateArray().Select(w => w.GetString()).ShouldContain(w => w!.StartsWith("write 16 to /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", StringComparison.Ordinal));
        host.Read(SimulatedHost.Nr2M).ShouldBe("0\n");
    }

    [Fact]
    public void TestJsonReportsAPlanErrorWithTheSameExitCode()
    {
        using var host = new SimulatedHost();
        var xml = Vm1(host, "other");
        var (code, output, _) = Run("--config", host.ConfigPath, "test", "vm1", "prepare", "--xml", xml, "--json");
        code.ShouldBe(2);
        using var json = JsonDocument.Parse(output);
        json.RootElement.GetProperty("error").GetString().ShouldBe("domain XML is for \"other\", not \"vm1\"");
        json.RootElement.GetProperty("steps").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public void StatusAndReleaseJsonListWhatEachDomainHolds()
    {
        using var host = new SimulatedHost();
        var xml = Vm1(host, "vm1");
        Run("--config", host.ConfigPath, "test", "vm1", "prepare", "--xml", xml, "--apply").Code.ShouldBe(0);

        var (code, output, _) = Run("--config", host.ConfigPath, "status", "--json");
        code.ShouldBe(0);
        using (var json = JsonDocument.Parse(output))
        {
            json.RootElement.GetProperty("stateDir").GetString().ShouldBe(host.StateDir);
            json.RootElement.GetProperty("unreadable").GetArrayLength().ShouldBe(0);
            var domain = json.RootElement.GetProperty("domains").EnumerateArray().Single();
            domain.GetProperty("domain").GetString().ShouldBe("vm1");
            var step = domain.GetProperty("steps").EnumerateArray().Single();
            step.GetProperty("id").GetString().ShouldBe("hugepages:2048kB");
            step.GetProperty("kind").GetString().ShouldBe("hugepages");
            step.GetProperty("status").GetString().ShouldBe("done");
            step.GetProperty("event").GetString().ShouldBe("prepare begin");
            step.GetProperty("data").EnumerateObject().ShouldNotBeEmpty();
        }

        var release = Run("--config", host.ConfigPath, "test", "vm1", "release", "--json");
        release.Code.ShouldBe(0);
        using (var json = JsonDocument.Parse(release.Out))
        {
            var step = json.RootElement.GetProperty("steps").EnumerateArray().Single();
            step.GetProperty("status").GetString().ShouldBe("done");
            step.GetProperty("writes").GetArrayLength().ShouldBeGreaterThan(0);
        }
        Run("--config", host.ConfigPath, "test", "vm1", "release", "--apply").Code.ShouldBe(0);
    }
}
