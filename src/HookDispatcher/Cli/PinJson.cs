using System.Text.Json.Serialization;

namespace HookDispatcher.Cli;

/// <summary>
/// <c>hookctl pin --json</c>: the proposal (<see cref="Error"/> set and the rest empty when the request cannot be
/// met), the XML to paste and the picture's lines.
/// </summary>
internal sealed record PinJson(
    string Domain,
    string Host,
    int Vcpus,
    int HostCores,
    string? HostCpus,
    IReadOnlyList<VcpuPinJson> Vcpupins,
    string? Emulatorpin,
    IReadOnlyList<IothreadPinJson> Iothreadpins,
    TopologyJson? Topology,
    IReadOnlyList<string> Rules,
    string? Xml,
    IReadOnlyList<string> Picture,
    string? Error = null);

internal sealed record VcpuPinJson(int Vcpu, int Cpu);

internal sealed record IothreadPinJson(int Iothread, string Cpuset);

internal sealed record TopologyJson(int Sockets, int Dies, int Cores, int Threads);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PinJson))]
internal sealed partial class PinJsonContext : JsonSerializerContext;
