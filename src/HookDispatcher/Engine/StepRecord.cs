using System.Text.Json;
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
/// does not matter. What the record holds is its typed <see cref="Data"/>, whose type is the record's kind.
/// </summary>
internal sealed class StepRecord
{
    public required string Id { get; init; }

    /// <summary>The name of its <see cref="IRecordKind"/>: its data's (empty until the step journals its intent).</summary>
    [JsonIgnore]
    public string Kind => Data?.Kind ?? "";

    public required string Event { get; init; }

    public StepStatus Status { get; set; }

    /// <summary>
    /// The ledger's order: the record took the next number of every domain's records when it was first journalled
    /// (under the host lock), so "the first holder" of a shared resource is the domain that took it first, not the
    /// first by name. 0 in files written before format 2.
    /// </summary>
    public long Seq { get; set; }

    /// <summary>
    /// The pid of the hook giving back what the record holds, outside the host lock, right now
    /// (<see cref="DomainRun.LetGo"/>); null otherwise.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Releasing { get; set; }

    /// <summary>What undo needs, typed by kind (<see cref="RecordData"/>); null only before the step journals it.</summary>
    public RecordData? Data { get; set; }

    /// <summary>The record's data as the state file has it.</summary>
    public JsonElement DataJson() => JsonSerializer.SerializeToElement(Data, StateJsonContext.Default.RecordData);

    /// <summary>The record's data on one line, <c>name=value</c> each ("pages=16 granted=16 baselines={"global":0}"), for status and forget.</summary>
    public string DataLine() => Data is null ? "" : string.Join(" ", DataJson().EnumerateObject().Where(p => p.Name != "kind")
        .Select(p => $"{p.Name}={(p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : Compact(p.Value))}"));

    /// <summary>A value on one line (the state file's own text is indented).</summary>
    private static string Compact(JsonElement value)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            value.WriteTo(writer);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The record's data as the kind that reads it expects it.</summary>
    public T As<T>() where T : RecordData =>
        Data as T ?? throw new InvalidDataException($"state record '{Id}' holds {(Data is null ? "no data" : $"data of kind '{Data.Kind}'")}, not what its kind reads");
}
