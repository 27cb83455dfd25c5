using HookDispatcher.Host.Systemd;
using HookDispatcher.Values;

namespace HookDispatcher.Host;

/// <summary>
/// What the handlers ask of systemd and logind. The real one speaks D-Bus (<see cref="SystemdBus"/>); tests use a
/// fake. Every call is bounded by a timeout; job-starting calls return when systemd reports the job finished.
/// </summary>
internal interface ISystemd
{
    /// <summary>The unit's AllowedCPUs; null when unset (the unit may use every CPU).</summary>
    CpuSet? GetAllowedCpus(string unit);

    /// <summary>SetUnitProperties(runtime=true, AllowedCPUs); null resets to unset.</summary>
    void SetAllowedCpus(string unit, CpuSet? cpus);

    /// <summary>Starts a transient service running <paramref name="argv"/> and waits for the start job.</summary>
    void StartTransientService(string unit, string description, IReadOnlyList<string> argv);

    /// <summary>Stops a unit and waits; a unit that is not loaded is already stopped.</summary>
    void StopUnit(string unit);

    void StartUnit(string unit);

    /// <summary>Forgets a failed unit (a transient one is unloaded with it); a unit that is not loaded is fine.</summary>
    void ResetFailedUnit(string unit);

    /// <summary>ActiveState is "active" (or "activating"/"reloading").</summary>
    bool IsActive(string unit);

    IReadOnlyList<Inhibitor> ListInhibitors();
}
