using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Rules;

public sealed class GpuRuleTests
{
    [Fact]
    public void BindManagedIsOffByDefault() =>
        RuleDir.Valid("""{ "gpu": { "fromDomainXml": true } }""").Gpu!.BindManaged.ShouldBeFalse();

    [Fact]
    public void BindManagedCanBeTurnedOn() =>
        RuleDir.Valid("""{ "gpu": { "fromDomainXml": true, "bindManaged": true } }""").Gpu!.BindManaged.ShouldBeTrue();

    [Fact]
    public void BindManagedMustBeABoolean()
    {
        var error = RuleDir.SingleError("""{ "gpu": { "fromDomainXml": true, "bindManaged": "yes" } }""");
        error.ToString().ShouldContain("$.gpu.bindManaged: expected true or false");
    }

    [Fact]
    public void TheSchemaDocumentsBindManagedWithItsDefault()
    {
        var schema = File.ReadAllText(Path.Join(HookProcess.RepoRoot, "hooks.d", "rules.schema.json"));
        schema.ShouldContain("\"bindManaged\": {");
        schema.ShouldMatch("\"bindManaged\": \\{\\s*\"description\": \"[^\"]+\",\\s*\"default\": false,\\s*\"type\": \"boolean\"");
    }

    [Fact]
    public void ResetMethodTakesTheKernelsNamesAloneOrInOrder()
    {
        RuleDir.Valid("""{ "gpu": { "fromDomainXml": true, "resetMethod": "device_specific" } }""").Gpu!.ResetMethod.ShouldBe("device_specific");
        RuleDir.Valid("""{ "gpu": { "fromDomainXml": true, "resetMethod": " flr  bus " } }""").Gpu!.ResetMethod.ShouldBe("flr bus");
        RuleDir.Valid("""{ "gpu": { "fromDomainXml": true } }""").Gpu!.ResetMethod.ShouldBeNull();
    }

    [Theory]
    [InlineData("\"warm\"")]
    [InlineData("\"flr flr\"")]
    [InlineData("\"\"")]
    [InlineData("1")]
    public void AnUnknownResetMethodIsOneLineNamingTheKey(string value) =>
        RuleDir.SingleError($$"""{ "gpu": { "fromDomainXml": true, "resetMethod": {{value}} } }""").ToString()
            .ShouldContain("$.gpu.resetMethod: expected a PCI reset method (\"device_specific\", \"acpi\", \"flr\", \"af_flr\", \"pm\", \"bus\", \"cxl_bus\"), or several separated by spaces");

    [Fact]
    public void RecoverIsRemoveRescanOrAbsent()
    {
        RuleDir.Valid("""{ "gpu": { "fromDomainXml": true, "recover": "removeRescan" } }""").Gpu!.Recover.ShouldBe(HookDispatcher.Rules.GpuRecovery.RemoveRescan);
        RuleDir.Valid("""{ "gpu": { "fromDomainXml": true } }""").Gpu!.Recover.ShouldBe(HookDispatcher.Rules.GpuRecovery.None);
        RuleDir.SingleError("""{ "gpu": { "fromDomainXml": true, "recover": "reboot" } }""").ToString()
            .ShouldContain("$.gpu.recover: expected \"removeRescan\", got \"reboot\"");
    }
}
