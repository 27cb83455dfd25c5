using HookDispatcher.Host.Systemd;
using HookDispatcher.Values;

namespace HookDispatcher.Host;

/// <summary>
/// The systemd of a dry run on a simulated host root: the tree stands in for /sys and /proc, and the real system
/// bus is not part of it, so nothing is asked (the dry run shows "now: unknown") and nothing can be changed.
/// </summary>
internal sealed class SimulatedHostSystemd(string root) : ISystemd
{
    public CpuSet? GetAllowedCpus(string unit) => throw NotAsked();

    public void ResetFailedUnit(string unit) => throw NotAsked();

    public void SetAllowedCpus(string unit, CpuSet? cpus) => throw NotAsked();

    public void StartTransientService(string unit, string description, IReadOnlyList<string> argv) => throw NotAsked();

    public void StopUnit(string unit) => throw NotAsked();

    public void StartUnit(string unit) => throw NotAsked();

    public bool IsActive(string unit) => throw NotAsked();

    public IReadOnlyList<Inhibitor> ListInhibitors() => throw NotAsked();

    private InvalidOperationException NotAsked() => new($"not asked (simulated host {Path.GetFileName(root.TrimEnd('/'))})");
}
