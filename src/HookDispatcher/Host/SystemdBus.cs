using HookDispatcher.Host.Systemd;
using HookDispatcher.Values;
using Tmds.DBus.Protocol;

namespace HookDispatcher.Host;

/// <summary>
/// <see cref="ISystemd"/> over the system bus with Tmds.DBus.Protocol. Connects on first use, so the hook pays for
/// D-Bus only when a rule needs systemd or logind.
/// </summary>
internal sealed class SystemdBus(string address, TimeSpan timeout) : ISystemd, IDisposable
{
    private BusClient? _bus;
    private SystemdManager? _systemd;
    private LoginManager? _login;

    private SystemdManager Systemd => _systemd ??= new SystemdManager(Bus);

    private LoginManager Login => _login ??= new LoginManager(Bus);

    private BusClient Bus => _bus ??= BusClient.Connect(address, timeout);

    public CpuSet? GetAllowedCpus(string unit)
    {
        var path = Systemd.GetUnit(unit) ?? throw new DBusErrorReplyException(SystemdManager.NoSuchUnitError, $"Unit {unit} not loaded.");
        var mask = Systemd.GetBytesProperty(path, UnitInterface(unit), "AllowedCPUs");
        return mask.Length == 0 ? null : CpuSet.FromMask(mask);
    }

    public void SetAllowedCpus(string unit, CpuSet? cpus) =>
        Systemd.SetAllowedCpus(unit, runtime: true, (cpus ?? CpuSet.Empty).ToMask());

    public void StartTransientService(string unit, string description, IReadOnlyList<string> argv)
    {
        Systemd.Subscribe();
        var job = Systemd.StartTransientService(unit, "fail",
        [
            ("Description", description),
            ("Type", "exec"),
            // Its output belongs in the journal, never in libvirtd's pipes.
            ("StandardOutput", "journal"),
            ("StandardError", "journal"),
            // Unloaded as soon as it stops or fails (a killed holder, say), so a dead unit never blocks the next
            // StartTransientUnit with UnitExists.
            ("CollectMode", "inactive-or-failed"),
        ], argv);
        Expect(Systemd.WaitForJob(job, timeout), "start", unit);
    }

    public void ResetFailedUnit(string unit) => Systemd.ResetFailedUnit(unit);

    public void StopUnit(string unit)
    {
        if (Systemd.GetUnit(unit) is null)
        {
            return;
        }
        Systemd.Subscribe();
        Expect(Systemd.WaitForJob(Systemd.StopUnit(unit, "replace"), timeout), "stop", unit);
    }

    public void StartUnit(string unit)
    {
        Systemd.Subscribe();
        Expect(Systemd.WaitForJob(Systemd.StartUnit(unit, "replace"), timeout), "start", unit);
    }

    public bool IsActive(string unit)
    {
        if (Systemd.GetUnit(unit) is not { } path)
        {
            return false;
        }
        var state = Systemd.GetStringProperty(path, "org.freedesktop.systemd1.Unit", "ActiveState");
        return state is "active" or "activating" or "reloading";
    }

    public IReadOnlyList<Inhibitor> ListInhibitors() => Login.ListInhibitors();

    public void Dispose() => _bus?.Dispose();

    private static string UnitInterface(string unit) => Path.GetExtension(unit) switch
    {
        ".slice" => "org.freedesktop.systemd1.Slice",
        ".scope" => "org.freedesktop.systemd1.Scope",
        ".service" => "org.freedesktop.systemd1.Service",
        ".socket" => "org.freedesktop.systemd1.Socket",
        ".mount" => "org.freedesktop.systemd1.Mount",
        ".swap" => "org.freedesktop.systemd1.Swap",
        _ => throw new ArgumentException($"AllowedCPUs exists only on slices, scopes, services, sockets, mounts and swaps, not '{unit}'"),
    };

    private static void Expect(string result, string verb, string unit)
    {
        if (result != "done")
        {
            throw new DBusErrorReplyException("org.freedesktop.systemd1.JobFailed", $"systemd could not {verb} {unit}: job result '{result}'");
        }
    }
}
