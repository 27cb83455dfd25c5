using HookDispatcher.Values;

namespace HookDispatcher.Domain;

/// <summary>
/// The domain's CPU placement as written in its XML: <c>&lt;vcpu&gt;</c>, each <c>&lt;vcpupin&gt;</c>,
/// <c>&lt;emulatorpin&gt;</c>, each <c>&lt;iothreadpin&gt;</c> and <c>&lt;cpu&gt;&lt;topology&gt;</c>.
/// </summary>
/// <param name="Vcpus">The <c>&lt;vcpu&gt;</c> count; null when the XML has none.</param>
/// <param name="IoThreads">The <c>&lt;iothreads&gt;</c> count (or the number of <c>&lt;iothreadids&gt;</c>).</param>
internal sealed record DomainPins(
    int? Vcpus,
    int IoThreads,
    IReadOnlyDictionary<int, CpuSet> Vcpu,
    CpuSet? Emulator,
    IReadOnlyDictionary<int, CpuSet> IoThread,
    GuestCpuTopology? Topology)
{
    public static DomainPins None { get; } = new(null, 0, new Dictionary<int, CpuSet>(), null, new Dictionary<int, CpuSet>(), null);
}
