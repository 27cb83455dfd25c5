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
}
