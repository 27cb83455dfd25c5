using System.Text.Json.Serialization;

namespace HookDispatcher.Engine;

// Unknown fields are skipped: a newer build of the same format may add one, and a running VM's file must still
// read after a downgrade or an upgrade. A newer format is refused by its Version (StateStore).
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(DomainState))]
internal sealed partial class StateJsonContext : JsonSerializerContext;
