using System.Text.Json;
using HookDispatcher.Rules;
using Shouldly;

namespace HookDispatcher.Tests.Rules;

/// <summary>The shipped examples and schema: each example loads cleanly and the schema agrees with the loader.</summary>
public sealed class HooksDirectoryTests
{
    private static readonly string HooksDir = Path.Combine(RepoRoot(), "hooks.d");

    private static readonly JsonElement Schema =
        JsonDocument.Parse(File.ReadAllText(RulesSchema.Path)).RootElement;

    public static TheoryData<string> RuleFiles()
    {
        var data = new TheoryData<string>();
        // What the loader reads: <domain>.json and <domain>.d/*.json (examples/ holds the main job's XML and config).
        var ruleFiles = Directory.GetFiles(HooksDir, "*.json")
            .Concat(Directory.GetDirectories(HooksDir, "*.d").SelectMany(d => Directory.GetFiles(d, "*.json")));
        foreach (var file in ruleFiles.Order(StringComparer.Ordinal))
        {
            if (Path.GetFileName(file) != "rules.schema.json")
            {
                data.Add(Path.GetRelativePath(HooksDir, file));
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(RuleFiles))]
    public void EveryExampleLoadsWithoutErrors(string file)
    {
        var path = Path.Combine(HooksDir, file);
        var result = new RuleLoader().LoadFiles([path]);
        result.Errors.ShouldBeEmpty(string.Join('\n', result.Errors));
        JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("$comment").GetString().ShouldNotBeNullOrWhiteSpace();
    }

    [Theory]
    [MemberData(nameof(RuleFiles))]
    public void EveryExampleValidatesAgainstTheSchema(string file) =>
        RulesSchema.Errors(File.ReadAllText(Path.Combine(HooksDir, file))).ShouldBeEmpty();

    [Fact]
    public void TheWin11DropInMergesOverItsBaseFile()
    {
        var files = RuleLoader.FilesFor(HooksDir, "win11");
        files.Count.ShouldBe(2);
        var rules = new RuleLoader().LoadFiles(files).Rules.ShouldNotBeNull();
        rules.Hugepages!.Count.ShouldBe(16UL);
        rules.Hugepages.PageSizeBytes.ShouldBe(1024UL * 1024 * 1024);
        rules.Gpu!.FromDomainXml.ShouldBeTrue();
    }

    [Theory]
    [InlineData("""{ "hugepages": { "pagesize": "2M" } }""")]
    [InlineData("""{ "hugepages": { "count": -3 } }""")]
    [InlineData("""{ "hugepages": { "count": 2.5 } }""")]
    [InlineData("""{ "hugepages": { "pageSize": "3M" } }""")]
    [InlineData("""{ "gpu": { "devices": ["0a:00.0"] } }""")]
    [InlineData("""{ "gpu": 3 }""")]
    [InlineData("""{ "cpuIsolation": { "hostCpus": "a-b" } }""")]
    [InlineData("""{ "sleepInhibitor": { "what": "nap" } }""")]
    [InlineData("""{ "sleepInhibitor": { "at": "release" } }""")]
    [InlineData("""{ "extra": true }""")]
    [InlineData("""{ "cpuIsolation": { "irqs": 1 } }""")]
    [InlineData("""{ "cpuGovernor": { "governor": "" } }""")]
    [InlineData("""{ "cpuGovernor": { "cpus": "a-b" } }""")]
    [InlineData("""{ "cpuGovernor": { "epp": "x y" } }""")]
    [InlineData("""{ "cpuGovernor": { "turbo": true } }""")]
    [InlineData("""{ "scripts": [ { "undo": ["/bin/true"] } ] }""")]
    [InlineData("""{ "scripts": [ { "run": [] } ] }""")]
    [InlineData("""{ "scripts": [ { "run": ["/bin/true"], "at": "stopped" } ] }""")]
    [InlineData("""{ "scripts": [ { "run": ["/bin/true"], "timeoutSeconds": 0 } ] }""")]
    [InlineData("""{ "scripts": { "run": ["/bin/true"] } }""")]
    [InlineData("""{ "scriptsDir": "qemu.d/win10" }""")]
    public void BadFilesFailBothTheLoaderAndTheSchema(string json)
    {
        RuleDir.LoadText(json).Errors.ShouldNotBeEmpty();
        RulesSchema.Errors(json).ShouldNotBeEmpty();
    }

    [Fact]
    public void EveryPropertyInTheSchemaHasADescriptionAndADefault()
    {
        var missing = new List<string>();
        Walk(Schema, "$", missing);
        missing.ShouldBeEmpty();
    }

    private static void Walk(JsonElement schema, string path, List<string> missing)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return;
        }
        if (schema.TryGetProperty("properties", out var properties))
        {
            foreach (var property in properties.EnumerateObject())
            {
                if (!property.Value.TryGetProperty("description", out _) || !property.Value.TryGetProperty("default", out _))
                {
                    missing.Add($"{path}.{property.Name}");
                }
            }
            schema.GetProperty("additionalProperties").ValueKind.ShouldBe(JsonValueKind.False, path);
        }
        // if/then/else only narrow members declared beside them (kvmfr's sizeMiB cap): nothing new to describe there.
        foreach (var member in schema.EnumerateObject().Where(m => m.Name is not ("if" or "then" or "else")))
        {
            Walk(member.Value, $"{path}.{member.Name}", missing);
        }
    }

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement;

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HookDispatcher.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no HookDispatcher.sln above {AppContext.BaseDirectory}");
    }
}
