using Shouldly;
using HookDispatcher.Rules;
using HookDispatcher.Values;

namespace HookDispatcher.Tests.Rules;

public sealed class RuleValueTests
{
    [Theory]
    [InlineData("""{ "gpu": { "devices": ["0000:0a:00.0"], "driver": "pci-stub", "wholeIommuGroup": false, "at": "start" } }""")]
    [InlineData("""{ "gpu": { "devices": [], "fromDomainXml": true } }""")]
    [InlineData("""{ "gpu": { "fromDomainXml": true, "singleGpu": { "stopUnits": ["display-manager.service", "sddm.service", "graphical.target"], "unloadModules": ["nvidia_drm", "amdgpu", "snd-hda-intel"], "unbindVtConsoles": false, "unbindEfiFramebuffer": false } } }""")]
    [InlineData("""{ "hugepages": { "pageSize": "auto", "count": "auto", "node": 1023, "attempts": 100 } }""")]
    [InlineData("""{ "hugepages": { "count": 1, "attempts": 1, "node": 0, "dropCaches": "never", "compactMemory": "always", "at": "start" } }""")]
    [InlineData("""{ "hugepages": { "count": 2147483648 } }""")]
    [InlineData("""{ "cpuIsolation": { "hostCpus": "0-3,8", "units": ["system.slice", "init.scope", "x.service"] } }""")]
    [InlineData("""{ "cpuIsolation": { "units": [] } }""")]
    [InlineData("""{ "sleepInhibitor": { "what": "shutdown:sleep:idle:handle-power-key:handle-suspend-key:handle-hibernate-key:handle-lid-switch", "why": "gaming" } }""")]
    public void AcceptsValidValues(string json) => RuleDir.Valid(json);

    [Theory]
    [InlineData("2M", RuleBytes.TwoMiB)]
    [InlineData("2MiB", RuleBytes.TwoMiB)]
    [InlineData("2048kB", RuleBytes.TwoMiB)]
    [InlineData("1G", RuleBytes.OneGiB)]
    [InlineData("1GiB", RuleBytes.OneGiB)]
    [InlineData("1048576kB", RuleBytes.OneGiB)]
    public void PageSizesReadAsBytes(string text, ulong bytes) =>
        RuleDir.Valid($$"""{ "hugepages": { "pageSize": "{{text}}" } }""").Hugepages!.PageSizeBytes.ShouldBe(bytes);

    [Fact]
    public void ExplicitValuesReachTheRecords()
    {
        var rules = RuleDir.Valid("""
            { "hugepages": { "pageSize": "1G", "count": 16, "node": 1, "dropCaches": "always", "attempts": 7, "at": "start" },
              "cpuIsolation": { "hostCpus": "0-1,^1,4", "at": "prepare" } }
            """);
        rules.Hugepages.ShouldBe(new HugepagesRule(ByteSize.OneGiB, 16, 1, Escalation.Always, Escalation.IfShort, 7, Stage.Start));
        rules.CpuIsolation!.HostCpus.ShouldBe(CpuSet.Parse("0,4"));
        rules.CpuIsolation.At.ShouldBe(Stage.Prepare);
    }

    [Theory]
    [InlineData("""{ "hugepages": { "count": -3 } }""", "$.hugepages.count", "expected \"auto\" or a positive integer, got -3")]
    [InlineData("""{ "hugepages": { "count": 0 } }""", "$.hugepages.count", "got 0")]
    [InlineData("""{ "hugepages": { "count": 2.5 } }""", "$.hugepages.count", "got 2.5")]
    [InlineData("""{ "hugepages": { "count": 2147483649 } }""", "$.hugepages.count", "(at most 2147483648)")]
    [InlineData("""{ "hugepages": { "count": 123456789012345678901234567890 } }""", "$.hugepages.count", "got 123456789012345678901234567890")]
    [InlineData("""{ "hugepages": { "count": "many" } }""", "$.hugepages.count", "got \"many\"")]
    [InlineData("""{ "hugepages": { "pageSize": "3M" } }""", "$.hugepages.pageSize", "expected \"auto\", \"2M\" or \"1G\", got \"3M\"")]
    [InlineData("""{ "hugepages": { "pageSize": 2 } }""", "$.hugepages.pageSize", "got 2")]
    [InlineData("""{ "hugepages": { "node": 1024 } }""", "$.hugepages.node", "expected an integer 0..1023, got 1024")]
    [InlineData("""{ "hugepages": { "node": -1 } }""", "$.hugepages.node", "got -1")]
    [InlineData("""{ "hugepages": { "attempts": 0 } }""", "$.hugepages.attempts", "expected an integer 1..100, got 0")]
    [InlineData("""{ "hugepages": { "attempts": 1e2 } }""", "$.hugepages.attempts", "got 1e2")]
    [InlineData("""{ "hugepages": { "dropCaches": "sometimes" } }""", "$.hugepages.dropCaches", "expected \"ifShort\", \"always\" or \"never\", got \"sometimes\"")]
    [InlineData("""{ "hugepages": { "compactMemory": true } }""", "$.hugepages.compactMemory", "got true")]
    [InlineData("""{ "hugepages": { "at": "release" } }""", "$.hugepages.at", "expected \"prepare\", \"start\" or \"started\", got \"release\"")]
    [InlineData("""{ "hugepages": { "pagesize": "2M" } }""", "$.hugepages.pagesize", "unknown key \"pagesize\" (did you mean \"pageSize\"?)")]
    [InlineData("""{ "hugepages": { "size": "2M" } }""", "$.hugepages.size", "unknown key \"size\"")]
    [InlineData("""{ "hugepages": 1 }""", "$.hugepages", "expected an object, true or false, got 1")]
    [InlineData("""{ "hugepages": null }""", "$.hugepages", "got null")]
    [InlineData("""{ "gpus": true }""", "$.gpus", "unknown key \"gpus\"")]
    [InlineData("""{ "gpu": {} }""", "$.gpu", "no GPU to pass through")]
    [InlineData("""{ "gpu": true }""", "$.gpu", "no GPU to pass through")]
    [InlineData("""{ "gpu": { "devices": [] } }""", "$.gpu", "no GPU to pass through")]
    [InlineData("""{ "gpu": { "devices": ["0000:0a:00.0", "0a:00.0"] } }""", "$.gpu.devices[1]", "expected a PCI address like \"0000:0a:00.0\", got \"0a:00.0\"")]
    [InlineData("""{ "gpu": { "devices": "0000:0a:00.0" } }""", "$.gpu.devices", "expected an array, got \"0000:0a:00.0\"")]
    [InlineData("""{ "gpu": { "fromDomainXml": "yes" } }""", "$.gpu.fromDomainXml", "expected true or false, got \"yes\"")]
    [InlineData("""{ "gpu": { "fromDomainXml": true, "driver": "" } }""", "$.gpu.driver", "expected a non-empty string, got \"\"")]
    [InlineData("""{ "gpu": { "fromDomainXml": true, "wholeIommuGroup": 1 } }""", "$.gpu.wholeIommuGroup", "got 1")]
    [InlineData("""{ "gpu": { "fromDomainXml": true, "singleGpu": { "stopUnits": ["gdm"] } } }""", "$.gpu.singleGpu.stopUnits[0]", "expected a systemd unit name like \"display-manager.service\", got \"gdm\"")]
    [InlineData("""{ "gpu": { "fromDomainXml": true, "singleGpu": { "unloadModules": ["nvidia drm"] } } }""", "$.gpu.singleGpu.unloadModules[0]", "got \"nvidia drm\"")]
    [InlineData("""{ "gpu": { "fromDomainXml": true, "singleGpu": { "unbindVtConsoles": "no" } } }""", "$.gpu.singleGpu.unbindVtConsoles", "got \"no\"")]
    [InlineData("""{ "gpu": { "fromDomainXml": true, "singleGpu": 1 } }""", "$.gpu.singleGpu", "expected an object, true or false, got 1")]
    [InlineData("""{ "cpuIsolation": { "hostCpus": "" } }""", "$.cpuIsolation.hostCpus", "empty host CPU set")]
    [InlineData("""{ "cpuIsolation": { "hostCpus": "0,^0" } }""", "$.cpuIsolation.hostCpus", "empty host CPU set")]
    [InlineData("""{ "cpuIsolation": { "hostCpus": "3-1" } }""", "$.cpuIsolation.hostCpus", "got \"3-1\"")]
    [InlineData("""{ "cpuIsolation": { "hostCpus": 3 } }""", "$.cpuIsolation.hostCpus", "got 3")]
    [InlineData("""{ "cpuIsolation": { "units": ["system"] } }""", "$.cpuIsolation.units[0]", "got \"system\"")]
    [InlineData("""{ "cpuIsolation": { "units": ["a.target"] } }""", "$.cpuIsolation.units[0]", "got \"a.target\"")]
    [InlineData("""{ "sleepInhibitor": { "what": "sleep:nap" } }""", "$.sleepInhibitor.what", "(\"nap\" is not one of them)")]
    [InlineData("""{ "sleepInhibitor": { "what": "" } }""", "$.sleepInhibitor.what", "got \"\"")]
    [InlineData("""{ "sleepInhibitor": { "why": "" } }""", "$.sleepInhibitor.why", "got \"\"")]
    [InlineData("""{ "sleepInhibitor": { "at": 1 } }""", "$.sleepInhibitor.at", "got 1")]
    [InlineData("""{ "hugepages": { "at": "started" } }""", "$.hugepages.at", "expected \"prepare\" or \"start\" (at \"started\" QEMU already runs with its memory and devices), got \"started\"")]
    [InlineData("""{ "gpu": { "fromDomainXml": true, "at": "started" } }""", "$.gpu.at", "(at \"started\" QEMU already runs")]
    public void RejectsInvalidValuesNamingPathAndValue(string json, string path, string message)
    {
        var error = RuleDir.SingleError(json);
        error.Path.ShouldBe(path);
        error.Message.ShouldContain(message);
    }
}

file static class RuleBytes
{
    public const ulong TwoMiB = 2UL * 1024 * 1024;
    public const ulong OneGiB = 1024UL * 1024 * 1024;
}
