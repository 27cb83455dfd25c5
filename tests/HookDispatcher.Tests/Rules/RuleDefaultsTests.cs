using Shouldly;
using HookDispatcher.Rules;
using HookDispatcher.Values;

namespace HookDispatcher.Tests.Rules;

public sealed class RuleDefaultsTests
{
    [Fact]
    public void AnEmptyObjectHasNoSections()
    {
        var rules = RuleDir.Valid("{}");
        rules.Gpu.ShouldBeNull();
        rules.Hugepages.ShouldBeNull();
        rules.CpuIsolation.ShouldBeNull();
        rules.SleepInhibitor.ShouldBeNull();
    }

    [Fact]
    public void TrueSectionsTakeEveryDefault()
    {
        var rules = RuleDir.Valid("""{ "hugepages": true, "cpuIsolation": true, "sleepInhibitor": true }""");
        rules.Hugepages.ShouldBe(new HugepagesRule(null, null, null, Escalation.IfShort, Escalation.IfShort, 5, Stage.Prepare));
        rules.CpuIsolation.ShouldNotBeNull().HostCpus.ShouldBeNull();
        rules.CpuIsolation.Units.ShouldBe(["system.slice", "user.slice", "init.scope"]);
        rules.CpuIsolation.At.ShouldBe(Stage.Started);
        rules.SleepInhibitor.ShouldBe(new SleepInhibitorRule("sleep", "libvirt domain {domain} is running", Stage.Prepare));
    }

    [Fact]
    public void FalseSectionsAreAbsent() =>
        RuleDir.Valid("""{ "gpu": false, "hugepages": false }""").Hugepages.ShouldBeNull();

    [Fact]
    public void GpuDefaultsApplyAroundTheDeviceList()
    {
        var gpu = RuleDir.Valid("""{ "gpu": { "devices": ["0000:0a:00.0", "0000:0A:00.1"] } }""").Gpu.ShouldNotBeNull();
        gpu.Devices.ShouldBe([new PciAddress(0, 0x0a, 0, 0), new PciAddress(0, 0x0a, 0, 1)]);
        gpu.FromDomainXml.ShouldBeFalse();
        gpu.WholeIommuGroup.ShouldBeTrue();
        gpu.Driver.ShouldBe("vfio-pci");
        gpu.SingleGpu.ShouldBeNull();
        gpu.At.ShouldBe(Stage.Prepare);
    }

    [Fact]
    public void SingleGpuTrueTakesEveryDefault()
    {
        var single = RuleDir.Valid("""{ "gpu": { "fromDomainXml": true, "singleGpu": true } }""").Gpu!.SingleGpu.ShouldNotBeNull();
        single.StopUnits.ShouldBeEmpty();
        single.UnbindVtConsoles.ShouldBeTrue();
        single.UnbindEfiFramebuffer.ShouldBeTrue();
        single.UnloadModules.ShouldBeEmpty();
    }

    [Fact]
    public void SourcesListTheFilesRead() =>
        RuleDir.Valid("{}").Sources.ShouldHaveSingleItem().ShouldEndWith("vm.json");

    [Fact]
    public void SchemaAndCommentKeysAreIgnoredAnywhere() =>
        RuleDir.Valid("""
            { "$schema": "./rules.schema.json", "$comment": "x",
              "hugepages": { "$comment": "y", "$schema": 3 },
              "gpu": { "fromDomainXml": true, "singleGpu": { "$comment": ["z"] } } }
            """).Hugepages.ShouldNotBeNull();
}
