using System.Text.Json;
using Json.Schema;

namespace HookDispatcher.Tests.Rules;

/// <summary>hooks.d/rules.schema.json under a real JSON Schema 2020-12 validator (JsonSchema.Net).</summary>
internal static class RulesSchema
{
    public static readonly string Path = System.IO.Path.Join(Support.HookProcess.RepoRoot, "hooks.d", "rules.schema.json");

    private static readonly JsonSchema Schema = JsonSchema.FromText(File.ReadAllText(Path),
        new BuildOptions { SchemaRegistry = new SchemaRegistry() });

    /// <summary>Every failed assertion as "instance location: message"; empty when the text is valid.</summary>
    public static List<string> Errors(string json)
    {
        using var document = JsonDocument.Parse(json);
        var result = Schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid)
        {
            return [];
        }
        var errors = (result.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value} ({d.EvaluationPath})"))
            .ToList();
        return errors.Count > 0 ? errors : ["invalid (no details)"];
    }
}
