using System.Text;
using HookDispatcher.DBus;
using HookDispatcher.Tests.DBus;
using HookDispatcher.Values;

namespace HookDispatcher.Tests.Reliability;

/// <summary>
/// systemd and logind for real hookctl processes: two <see cref="TestPeer"/>s owning org.freedesktop.systemd1 and
/// org.freedesktop.login1 on a private dbus-daemon, answering the calls the handlers make (GetUnit, Properties.Get,
/// SetUnitProperties, StartTransientUnit/StopUnit/StartUnit with JobRemoved, Subscribe, ListInhibitors) from one
/// shared state, so any number of hook processes can use it at once. <see cref="Withhold"/> lets a test leave one
/// call unanswered (the hook then waits, and the test kills it there).
/// </summary>
internal sealed class SystemdPeer : IDisposable
{
    public static readonly string[] Slices = ["system.slice", "user.slice", "init.scope"];

    private static readonly TimeSpan Timeout = TestPeer.Timeout;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, CpuSet?> _allowed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<string>> _running = new(StringComparer.Ordinal);
    private readonly TestPeer _systemd;
    private readonly TestPeer _login;
    private int _calls;
    private uint _jobs;

    public SystemdPeer(string address)
    {
        foreach (var unit in Slices)
        {
            _allowed[unit] = null;
        }
        _systemd = new TestPeer(address, SystemdManager.Destination, (call, connection) => Serve(call, connection, AnswerSystemd));
        _login = new TestPeer(address, LoginManager.Destination, (call, connection) => Serve(call, connection, AnswerLogin));
    }

    /// <summary>A unit that runs (a display manager): StopUnit stops it, StartUnit starts it again.</summary>
    public void Run(string unit)
    {
        lock (_gate)
        {
            _running[unit] = [];
        }
    }

    /// <summary>Given the 1-based number of a call and its member, true to leave it unanswered.</summary>
    public Func<int, string, bool>? Withhold { get; set; }

    /// <summary>Whether a withheld call still takes effect (systemd did it, the reply was lost) or not.</summary>
    public bool ApplyWithheld { get; set; }

    /// <summary>Set once a call was withheld.</summary>
    public ManualResetEventSlim Withheld { get; } = new();

    public int Calls => Volatile.Read(ref _calls);

    public Exception? Failure => _systemd.Failure ?? _login.Failure;

    public CpuSet? AllowedCpus(string unit)
    {
        lock (_gate)
        {
            return _allowed[unit];
        }
    }

    /// <summary>AllowedCPUs of the slices and the running units, for comparing before and after.</summary>
    public string Snapshot()
    {
        lock (_gate)
        {
            return string.Join(", ", _allowed.OrderBy(u => u.Key, StringComparer.Ordinal).Select(u => $"{u.Key}={u.Value?.ToString() ?? "unset"}"))
                + "; running: " + string.Join(", ", _running.Keys.Order(StringComparer.Ordinal));
        }
    }

    public void Dispose()
    {
        _systemd.Dispose();
        _login.Dispose();
        Withheld.Dispose();
    }

    private bool Serve(Message call, DBusConnection connection, Func<Message, DBusConnection, bool, bool> answer)
    {
        var number = Interlocked.Increment(ref _calls);
        if (Withhold?.Invoke(number, call.Member!) == true)
        {
            if (ApplyWithheld)
            {
                answer(call, connection, false);
            }
            Withheld.Set();
            return true;
        }
        return answer(call, connection, true);
    }

    private bool AnswerSystemd(Message call, DBusConnection connection, bool reply)
    {
        var body = new MessageWriter();
        var reader = call.GetBodyReader();
        switch (call.Member)
        {
            case "Subscribe":
                break;
            case "GetUnit":
                var name = reader.ReadString();
                bool known;
                lock (_gate)
                {
                    known = _allowed.ContainsKey(name) || _running.ContainsKey(name);
                }
                if (!known)
                {
                    if (reply)
                    {
                        connection.SendError(call, SystemdManager.NoSuchUnitError, $"Unit {name} not loaded.", Timeout);
                    }
                    return true;
                }
                body.WriteObjectPath(UnitPath(name));
                return Reply(call, connection, reply, "o", body);
            case "Get":
                reader.ReadString();
                var property = reader.ReadString();
                var unit = UnitOf(call.Path!.Value.Value);
                lock (_gate)
                {
                    body.WriteVariant(property == "AllowedCPUs"
                        ? DBusVariant.Bytes(_allowed.GetValueOrDefault(unit)?.ToMask() ?? [])
                        : DBusVariant.String(_running.ContainsKey(unit) || _allowed.ContainsKey(unit) ? "active" : "inactive"));
                }
                return Reply(call, connection, reply, "v", body);
            case "SetUnitProperties":
                var target = reader.ReadString();
                reader.ReadBool();
                var end = reader.ReadArrayStart('(');
                while (reader.HasNext(end))
                {
                    reader.ReadStructStart();
                    var key = reader.ReadString();
                    var value = reader.ReadVariant();
                    if (key == "AllowedCPUs" && value.Value is byte[] mask)
                    {
                        lock (_gate)
                        {
                            _allowed[target] = mask.Length == 0 ? null : CpuSet.FromMask(mask);
                        }
                    }
                }
                break;
            case "StartTransientUnit":
                var started = reader.ReadString();
                reader.ReadString();
                var argv = new List<string>();
                var props = reader.ReadArrayStart('(');
                while (reader.HasNext(props))
                {
                    reader.ReadStructStart();
                    var key = reader.ReadString();
                    var value = reader.ReadVariant();
                    if (key == "ExecStart" && value.Value is object[] { Length: > 0 } commands && commands[0] is object[] { Length: 3 } command)
                    {
                        argv.AddRange(((object[])command[1]).Cast<string>());
                    }
                }
                lock (_gate)
                {
                    if (_running.ContainsKey(started))
                    {
                        if (reply)
                        {
                            connection.SendError(call, "org.freedesktop.systemd1.UnitExists", $"Unit {started} already exists.", Timeout);
                        }
                        return true;
                    }
                    _running[started] = argv;
                }
                return Job(call, connection, reply, started);
            case "StopUnit":
                var stopped = reader.ReadString();
                lock (_gate)
                {
                    _running.Remove(stopped);
                }
                return Job(call, connection, reply, stopped);
            case "StartUnit":
                var start = reader.ReadString();
                lock (_gate)
                {
                    _running[start] = [];
                }
                return Job(call, connection, reply, start);
            default:
                return false;
        }
        return Reply(call, connection, reply, "", body);
    }

    private bool AnswerLogin(Message call, DBusConnection connection, bool reply)
    {
        if (call.Member != "ListInhibitors")
        {
            return false;
        }
        var body = new MessageWriter();
        var start = body.WriteArrayStart('(');
        lock (_gate)
        {
            foreach (var argv in _running.Values.Where(a => a.Contains("inhibit-hold")))
            {
                body.WriteStructStart();
                body.WriteString(Arg(argv, "--what"));
                body.WriteString("hookdispatcher");
                body.WriteString(Arg(argv, "--why"));
                body.WriteString("block");
                body.WriteUInt32(0);
                body.WriteUInt32(1);
            }
        }
        body.WriteArrayEnd(start);
        return Reply(call, connection, reply, "a(ssssuu)", body);
    }

    private bool Job(Message call, DBusConnection connection, bool reply, string unit)
    {
        var id = Interlocked.Increment(ref _jobs);
        var job = new ObjectPath(FormattableString.Invariant($"/org/freedesktop/systemd1/job/{id}"));
        if (!reply)
        {
            return true;
        }
        var body = new MessageWriter();
        body.WriteObjectPath(job);
        connection.SendReturn(call, "o", body, Timeout);
        var signal = new MessageWriter();
        signal.WriteUInt32(id);
        signal.WriteObjectPath(job);
        signal.WriteString(unit);
        signal.WriteString("done");
        connection.EmitSignal(SystemdManager.Path, SystemdManager.Interface, "JobRemoved", "uoss", signal, Timeout);
        return true;
    }

    private static bool Reply(Message call, DBusConnection connection, bool reply, string signature, MessageWriter body)
    {
        if (reply)
        {
            connection.SendReturn(call, signature, body, Timeout);
        }
        return true;
    }

    private static string Arg(IReadOnlyList<string> argv, string name) => argv[argv.ToList().IndexOf(name) + 1];

    private static ObjectPath UnitPath(string unit) =>
        new("/org/freedesktop/systemd1/unit/" + string.Concat(Encoding.UTF8.GetBytes(unit)
            .Select(b => char.IsAsciiLetterOrDigit((char)b) ? ((char)b).ToString() : $"_{b:x2}")));

    private static string UnitOf(string path)
    {
        var escaped = path["/org/freedesktop/systemd1/unit/".Length..];
        var bytes = new List<byte>();
        for (var i = 0; i < escaped.Length; i++)
        {
            if (escaped[i] == '_')
            {
                bytes.Add(Convert.ToByte(escaped.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.Add((byte)escaped[i]);
            }
        }
        return Encoding.UTF8.GetString([.. bytes]);
    }
}
