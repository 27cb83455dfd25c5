using HookDispatcher.Domain;
using HookDispatcher.Values;

namespace HookDispatcher.Topology;

/// <summary>
/// A placement: <see cref="VcpuCpus"/>[n] is the one host thread vCPU n runs on; the emulator and every iothread
/// run on <see cref="Emulator"/> (the host's kept cores). <see cref="Rules"/> says, rule by rule, how it was chosen.
/// </summary>
/// <param name="Idle">Guest-side threads no vCPU uses (the sibling of a core given whole to one vCPU).</param>
internal sealed class PinProposal(
    IReadOnlyList<int> VcpuCpus,
    CpuSet Emulator,
    int IoThreads,
    CpuSet HostCpus,
    CpuSet Idle,
    IReadOnlyList<CpuCore> GuestCores,
    GuestCpuTopology Topology,
    IReadOnlyList<string> Rules)
{
    public IReadOnlyList<int> VcpuCpus { get; } = VcpuCpus;

    public CpuSet Emulator { get; } = Emulator;

    public int IoThreads { get; } = IoThreads;

    public CpuSet HostCpus { get; } = HostCpus;

    public CpuSet Idle { get; } = Idle;

    public IReadOnlyList<CpuCore> GuestCores { get; } = GuestCores;

    public GuestCpuTopology Topology { get; } = Topology;

    public IReadOnlyList<string> Rules { get; } = Rules;

    public int Vcpus => VcpuCpus.Count;

    /// <summary>The pins as <see cref="DomainPins"/>, so doctor's checks and the picture read a proposal like a domain.</summary>
    public DomainPins AsPins() => new(
        Vcpus,
        IoThreads,
        Enumerable.Range(0, Vcpus).ToDictionary(v => v, v => CpuSet.Of([VcpuCpus[v]])),
        Emulator,
        Enumerable.Range(1, IoThreads).ToDictionary(i => i, _ => Emulator),
        Topology);
}
