using HookDispatcher.DBus;
using HookDispatcher.Values;

namespace HookDispatcher.Host;

/// <summary>
/// <see cref="ISystemd"/> over the system bus. Connects on first use, so the hook pays for D-Bus only when a rule
/// needs systemd or logind.
/// </summary>
internal sealed class SystemdBus(string address, TimeSpan timeout) : ISystemd, IDisposable
{
    private DBusConnection? _connection;
    private SystemdManager? _systemd;
    private LoginManager? _login;

    private SystemdManager Systemd => _systemd ??= new SystemdManager(Connection, timeout);

    private LoginManager Login => _login ??= new LoginManager(Connection, timeout);

    private DBusConnection Connection => _connection ??= DBusConnection.Connect(address, timeout);

    public CpuSet? GetAllowedCpus(string unit)
    {
        var path = Systemd.GetUnit(unit) ?? throw new DBusErrorException(SystemdManager.NoSuchUnitError, $"Unit {unit} not loaded.");
        var value = Systemd.GetUnitProperty(path, UnitInterface(unit), "AllowedCPUs");
        var mask = value.Value as byte[] ?? throw new DBusProtocolException($"AllowedCPUs of {unit} has signature '{value.Signature}', expected 'ay'");
        return mask.Length == 0 ? null : CpuSet.FromMask(mask);
    }

    public void SetAllowedCpus(string unit, CpuSet? cpus) =>
        Systemd.SetUnitProperties(unit, runtime: true, [UnitProperties.AllowedCpus(cpus ?? CpuSet.Empty)]);

    public void StartTransientService(string unit, string description, IReadOnlyList<string> argv)
    {
        Systemd.Subscribe();
        var job = Systemd.StartTransientUnit(unit, "fail",
        [
            UnitProperties.String("Description", description),
            UnitProperties.String("Type", "exec"),
            UnitProperties.ExecStart(new ExecCommand(argv[0], argv)),
            // Its output belongs in the journal, never in libvirtd's pipes.
            UnitProperties.String("StandardOutput", "journal"),
            UnitProperties.String("StandardError", "journal"),
        ], []);
        Expect(Systemd.WaitForJob(job, timeout), "start", unit);
    }

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
        var state = Systemd.GetUnitProperty(path, "org.freedesktop.systemd1.Unit", "ActiveState").Value as string;
        return state is "active" or "activating" or "reloading";
    }

    public IReadOnlyList<Inhibitor> ListInhibitors() => Login.ListInhibitors();

    public void Dispose() => _connection?.Dispose();

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
            throw new DBusErrorException("org.freedesktop.systemd1.JobFailed", $"systemd could not {verb} {unit}: job result '{result}'");
        }
    }
}
