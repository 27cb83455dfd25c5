using System.Text.Json.Serialization;

namespace HookDispatcher.Engine;

// Unknown fields are skipped: a newer build of the same format may add one, and a running VM's file must still
// read after a downgrade or an upgrade. A newer format is refused by its Version (StateStore).
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    RespectRequiredConstructorParameters = true,
    AllowOutOfOrderMetadataProperties = true)]
[JsonSerializable(typeof(DomainState))]
[JsonSerializable(typeof(LegacyDomainState))]
[JsonSerializable(typeof(StateHeader))]
[JsonSerializable(typeof(RecordData))]
internal sealed partial class StateJsonContext : JsonSerializerContext;

/// <summary>What is read of a state file before its format is known: the format says how to read the rest.</summary>
internal sealed class StateHeader
{
    /// <summary>The format; 0 when missing (read as format 1, the first that had one).</summary>
    public int Version { get; set; }
}
