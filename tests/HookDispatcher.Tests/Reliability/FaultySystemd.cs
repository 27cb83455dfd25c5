using HookDispatcher.Host;
using HookDispatcher.Host.Systemd;
using HookDispatcher.Values;
using Tmds.DBus.Protocol;

namespace HookDispatcher.Tests.Reliability;

/// <summary>Every systemd/logind call counts as an operation that <see cref="FaultPlan"/> may fail (a D-Bus error).</summary>
internal sealed class FaultySystemd(ISystemd inner, FaultPlan plan) : ISystemd
{
    public CpuSet? GetAllowedCpus(string unit)
    {
        Hit($"GetAllowedCpus({unit})");
        return inner.GetAllowedCpus(unit);
    }

    public void SetAllowedCpus(string unit, CpuSet? cpus)
    {
        Hit($"SetAllowedCpus({unit}, {cpus?.ToString() ?? "unset"})");
        inner.SetAllowedCpus(unit, cpus);
    }

    public void StartTransientService(string unit, string description, IReadOnlyList<string> argv)
    {
        Hit($"StartTransientService({unit})");
        inner.StartTransientService(unit, description, argv);
    }

    public void StopUnit(string unit)
    {
        Hit($"StopUnit({unit})");
        inner.StopUnit(unit);
    }

    public void StartUnit(string unit)
    {
        Hit($"StartUnit({unit})");
        inner.StartUnit(unit);
    }

    public void ResetFailedUnit(string unit)
    {
        Hit($"ResetFailedUnit({unit})");
        inner.ResetFailedUnit(unit);
    }

    public bool IsActive(string unit)
    {
        Hit($"IsActive({unit})");
        return inner.IsActive(unit);
    }

    public IReadOnlyList<Inhibitor> ListInhibitors()
    {
        Hit("ListInhibitors()");
        return inner.ListInhibitors();
    }

    private void Hit(string call) =>
        plan.Hit(call, message => new DBusErrorReplyException("org.freedesktop.DBus.Error.Failed", message));
}
