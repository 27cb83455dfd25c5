namespace HookDispatcher.Cli;

/// <summary>
/// <c>hookctl pin --json</c>: the proposal (<see cref="Error"/> set and the rest empty when the request cannot be
/// met), the XML to paste and the picture's lines. <see cref="Vcpupins"/>[n] is vCPU n's host CPU,
/// <see cref="Iothreadpins"/>[n] iothread n+1's CPU list.
/// </summary>
internal sealed record PinJson(
    string Domain,
    string Host,
    int Vcpus,
    int HostCores,
    string? HostCpus,
    IReadOnlyList<int> Vcpupins,
    string? Emulatorpin,
    IReadOnlyList<string> Iothreadpins,
    TopologyJson? Topology,
    IReadOnlyList<string> Rules,
    string? Xml,
    IReadOnlyList<string> Picture,
    string? Error = null);

internal sealed record TopologyJson(int Sockets, int Dies, int Cores, int Threads);
