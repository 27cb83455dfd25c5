using HookDispatcher.Host;
using HookDispatcher.Host.Systemd;
using HookDispatcher.Values;
using Tmds.DBus.Protocol;

namespace HookDispatcher.Tests.Support;

/// <summary>systemd and logind in memory: AllowedCPUs per unit, transient services whose start adds an inhibitor.</summary>
internal sealed class FakeSystemd : ISystemd
{
    public Dictionary<string, CpuSet?> AllowedCpus { get; } = new(StringComparer.Ordinal)
    {
        ["system.slice"] = null,
        ["user.slice"] = null,
        ["init.scope"] = null,
    };

    public Dictionary<string, IReadOnlyList<string>> Running { get; } = new(StringComparer.Ordinal);

    /// <summary>Units whose process died: loaded as failed, not active, refusing a new transient unit of that name.</summary>
    public HashSet<string> Failed { get; } = new(StringComparer.Ordinal);

    /// <summary>The holder of <paramref name="unit"/> dies (killed, OOM): the unit stays loaded as failed.</summary>
    public void Kill(string unit)
    {
        Running.Remove(unit);
        Failed.Add(unit);
    }

    public void ResetFailedUnit(string unit)
    {
        Record($"reset-failed {unit}");
        Failed.Remove(unit);
    }

    public List<string> Calls { get; } = [];

    private readonly Lock _gate = new();

    /// <summary>When set, the call whose log text starts with this fails.</summary>
    public string? FailOn { get; set; }

    /// <summary>When false, a started inhibitor service never shows up in ListInhibitors (logind refused it).</summary>
    public bool InhibitorsAppear { get; set; } = true;

    /// <summary>Domains whose holder never shows up in ListInhibitors (logind refused that one).</summary>
    public HashSet<string> HiddenInhibitors { get; } = new(StringComparer.Ordinal);

    /// <summary>AllowedCPUs of every unit and the running transient services: equal when systemd's state is.</summary>
    public string Snapshot() =>
        string.Join(", ", AllowedCpus.OrderBy(u => u.Key, StringComparer.Ordinal).Select(u => $"{u.Key}={u.Value?.ToString() ?? "unset"}"))
        + "; running: " + string.Join(", ", Running.Keys.Order(StringComparer.Ordinal));

    public CpuSet? GetAllowedCpus(string unit) => AllowedCpus.TryGetValue(unit, out var cpus)
        ? cpus
        : throw new DBusErrorReplyException(SystemdManagerNoSuchUnit, $"Unit {unit} not loaded.");

    public void SetAllowedCpus(string unit, CpuSet? cpus)
    {
        Record($"set {unit} {cpus?.ToString() ?? "unset"}");
        AllowedCpus[unit] = cpus is { IsEmpty: false } ? cpus : null;
    }

    public void StartTransientService(string unit, string description, IReadOnlyList<string> argv)
    {
        Record($"start {unit}");
        if (Running.ContainsKey(unit) || Failed.Contains(unit))
        {
            throw new DBusErrorReplyException("org.freedesktop.systemd1.UnitExists", $"Unit {unit} was already loaded or has a fragment file.");
        }
        Running[unit] = argv;
    }

    // Unit starts and stops may come from several domains' events at once (AtOnce): one at a time here.
    public void StopUnit(string unit)
    {
        lock (_gate)
        {
            Record($"stop {unit}");
            Running.Remove(unit);
        }
    }

    /// <summary>Runs as a StartUnit begins, outside the fake's own lock (a test holds the job there).</summary>
    public Action<string>? OnStartUnit { get; set; }

    public void StartUnit(string unit)
    {
        OnStartUnit?.Invoke(unit);
        lock (_gate)
        {
            Record($"start {unit}");
            Running[unit] = [];
        }
    }

    public bool IsActive(string unit)
    {
        lock (_gate)
        {
            return Running.ContainsKey(unit);
        }
    }

    public IReadOnlyList<Inhibitor> ListInhibitors() => !InhibitorsAppear ? [] : Running.Values
        .Where(argv => argv.Contains("inhibit-hold"))
        .Where(argv => !HiddenInhibitors.Contains(argv[^1]))
        .Select(argv => new Inhibitor(Arg(argv, "--what"), "hookdispatcher:" + argv[^1], Arg(argv, "--why"), "block", 0, 1))
        .ToList();

    private const string SystemdManagerNoSuchUnit = "org.freedesktop.systemd1.NoSuchUnit";

    private static string Arg(IReadOnlyList<string> argv, string name) => argv[argv.ToList().IndexOf(name) + 1];

    private void Record(string call)
    {
        Calls.Add(call);
        if (FailOn is { } prefix && call.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw new DBusErrorReplyException("org.freedesktop.DBus.Error.AccessDenied", $"injected failure at '{call}'");
        }
    }
}
