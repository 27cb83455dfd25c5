using System.Text.Json.Serialization;

namespace HookDispatcher.Engine;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(DomainState))]
internal sealed partial class StateJsonContext : JsonSerializerContext;
