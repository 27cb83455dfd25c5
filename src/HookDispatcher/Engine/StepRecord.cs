using System.Text.Json.Serialization;

namespace HookDispatcher.Engine;

/// <summary>Whether a step's host change may have happened (<see cref="Intent"/>) or is known complete.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<StepStatus>))]
internal enum StepStatus
{
    Intent,
    Done,
}

/// <summary>
/// One step's entry in a domain's state file: written as an intent before the host is touched, then completed
/// with what undo needs. Undo works from this record alone, so a rule file changed or deleted while the VM runs
/// does not matter.
/// </summary>
internal sealed class StepRecord
{
    public required string Id { get; init; }

    /// <summary>The name of its <see cref="IRecordKind"/> (set again when an older format is migrated).</summary>
    public required string Kind { get; set; }

    public required string Event { get; init; }

    public StepStatus Status { get; set; }

    /// <summary>
    /// The ledger's order: the record took the next number of every domain's records when it was first journalled
    /// (under the host lock), so "the first holder" of a shared resource is the domain that took it first, not the
    /// first by name. 0 in files written before format 2.
    /// </summary>
    public long Seq { get; set; }

    public Dictionary<string, string> Data { get; init; } = new(StringComparer.Ordinal);

    public string Get(string key) =>
        Data.TryGetValue(key, out var value) ? value : throw new InvalidDataException($"state record '{Id}' has no '{key}'");

    public long GetLong(string key) =>
        long.TryParse(Get(key), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new InvalidDataException($"state record '{Id}': '{key}' is not a number: '{Get(key)}'");
}
