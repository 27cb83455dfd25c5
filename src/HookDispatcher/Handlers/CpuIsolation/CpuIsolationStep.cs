using HookDispatcher.Engine;
using HookDispatcher.Host;
using HookDispatcher.Values;

namespace HookDispatcher.Handlers.CpuIsolation;

/// <summary>Records the units' current AllowedCPUs (or those found before the first isolating domain), then narrows them.</summary>
internal sealed class CpuIsolationStep(ISystemd systemd, IReadOnlyList<string> units, CpuSet host) : Step
{
    public CpuSet Host { get; } = host;

    public override string Id => CpuIsolationHandler.KindName;

    public override string Kind => CpuIsolationHandler.KindName;

    public override string Summary => $"confine {string.Join(", ", units)} to CPUs {Host}";

    public override IReadOnlyList<string> Actions =>
        units.Select(u => $"SetUnitProperties({u}, runtime=true, AllowedCPUs={Host} [ay {Convert.ToHexString(Host.ToMask())}]) (now: {Current(u)}; other isolating domains narrow it further)").ToList();

    public override void Apply(StepScope scope)
    {
        var others = scope.Context.OtherDomainsRecords(CpuIsolationHandler.KindName);
        var data = new CpuIsolationData { Units = [.. units], HostCpus = Host.ToString() };
        foreach (var unit in units)
        {
            // The value to restore is the one found before any domain narrowed the unit.
            var earlier = CpuIsolationHandler.Sharing(others, unit).FirstOrDefault();
            data.Originals[unit] = earlier is not null
                ? earlier.As<CpuIsolationData>().Originals.GetValueOrDefault(unit, "")
                : systemd.GetAllowedCpus(unit)?.ToString() ?? "";
        }
        scope.Intent(data);
        foreach (var unit in units)
        {
            var sharing = CpuIsolationHandler.Sharing(others, unit);
            var target = sharing.Count == 0 ? Host : CpuIsolationHandler.Intersection(sharing).Intersect(Host);
            if (target.IsEmpty)
            {
                throw new InvalidOperationException(
                    $"{unit}: no CPU is left for the host: this domain allows {Host}, the other running domains allow {CpuIsolationHandler.Intersection(sharing)}");
            }
            systemd.SetAllowedCpus(unit, target);
        }
        scope.Done();
    }

    private string Current(string unit)
    {
        try
        {
            return systemd.GetAllowedCpus(unit)?.ToString() ?? "unset";
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return $"unknown: {e.Message}";
        }
    }
}
