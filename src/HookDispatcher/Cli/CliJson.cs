using System.Text.Json.Serialization;

namespace HookDispatcher.Cli;

/// <summary>
/// <c>hookctl test … --json</c>: the plan (or, for release, the undo) of one event; one object per step with its
/// writes. <see cref="Error"/> is set, and <see cref="Steps"/> empty, when no plan could be made.
/// </summary>
internal sealed record TestJson(
    string Domain,
    string Event,
    bool DryRun,
    IReadOnlyList<string> Rules,
    string? State,
    string HostRoot,
    IReadOnlyList<StepJson> Steps,
    string? Error = null);

/// <summary>One step: <see cref="Status"/> only for the release (the record's state), <see cref="Writes"/> in order.</summary>
internal sealed record StepJson(string Id, string Kind, string Summary, IReadOnlyList<string> Writes, string? Status = null);

/// <summary><c>hookctl status --json</c>: what each domain holds, from the state files.</summary>
internal sealed record StatusJson(string StateDir, IReadOnlyList<DomainStatusJson> Domains, IReadOnlyList<string> Unreadable);

internal sealed record DomainStatusJson(string Domain, IReadOnlyList<HeldStepJson> Steps);

/// <summary>One applied (<c>done</c>) or interrupted (<c>intent</c>) step and the values undo restores (its record's data, as in the state file).</summary>
internal sealed record HeldStepJson(string Id, string Kind, string Status, string Event, System.Text.Json.JsonElement Data);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TestJson))]
[JsonSerializable(typeof(StatusJson))]
[JsonSerializable(typeof(PinJson))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
