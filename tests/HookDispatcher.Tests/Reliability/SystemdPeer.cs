using System.Text;
using HookDispatcher.Host.Systemd;
using HookDispatcher.Tests.DBus;
using HookDispatcher.Values;
using Tmds.DBus.Protocol;

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
        _systemd = new TestPeer(address, SystemdManager.Destination, call => Serve(call, AnswerSystemd));
        _login = new TestPeer(address, LoginManager.Destination, call => Serve(call, AnswerLogin));
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

    private bool Serve(MethodContext call, Func<MethodContext, bool, bool> answer)
    {
        var number = Interlocked.Increment(ref _calls);
        if (Withhold?.Invoke(number, call.Request.MemberAsString!) == true)
        {
            // Never replied to, never disposed: the caller waits until the test kills it.
            call.DisposesAsynchronously = true;
            if (ApplyWithheld)
            {
                answer(call, false);
            }
            Withheld.Set();
            return true;
        }
        return answer(call, true);
    }

    private bool AnswerSystemd(MethodContext call, bool reply)
    {
        var reader = call.Request.GetBodyReader();
        switch (call.Request.MemberAsString)
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
                        call.ReplyError(SystemdManager.NoSuchUnitError, $"Unit {name} not loaded.");
                    }
                    return true;
                }
                return Reply(call, reply, "o", (ref MessageWriter w) => w.WriteObjectPath(UnitPath(name)));
            case "Get":
                reader.ReadString();
                var property = reader.ReadString();
                var unit = UnitOf(call.Request.PathAsString!);
                byte[] mask;
                string state;
                lock (_gate)
                {
                    mask = _allowed.GetValueOrDefault(unit)?.ToMask() ?? [];
                    state = _running.ContainsKey(unit) || _allowed.ContainsKey(unit) ? "active" : "inactive";
                }
                return property == "AllowedCPUs"
                    ? Reply(call, reply, "v", (ref MessageWriter w) =>
                    {
                        w.WriteSignature("ay");
                        w.WriteArray(mask);
                    })
                    : Reply(call, reply, "v", (ref MessageWriter w) => w.WriteVariantString(state));
            case "SetUnitProperties":
                var target = reader.ReadString();
                reader.ReadBool();
                var end = reader.ReadArrayStart(DBusType.Struct);
                while (reader.HasNext(end))
                {
                    reader.AlignStruct();
                    var key = reader.ReadString();
                    var value = reader.ReadVariantValue();
                    if (key == "AllowedCPUs")
                    {
                        var bytes = value.GetArray<byte>();
                        lock (_gate)
                        {
                            _allowed[target] = bytes.Length == 0 ? null : CpuSet.FromMask(bytes);
                        }
                    }
                }
                break;
            case "StartTransientUnit":
                var started = reader.ReadString();
                reader.ReadString();
                var argv = new List<string>();
                var props = reader.ReadArrayStart(DBusType.Struct);
                while (reader.HasNext(props))
                {
                    reader.AlignStruct();
                    var key = reader.ReadString();
                    var value = reader.ReadVariantValue();
                    if (key == "ExecStart" && value.Count > 0)
                    {
                        argv.AddRange(value.GetItem(0).GetItem(1).GetArray<string>());
                    }
                }
                lock (_gate)
                {
                    if (_running.ContainsKey(started))
                    {
                        if (reply)
                        {
                            call.ReplyError("org.freedesktop.systemd1.UnitExists", $"Unit {started} already exists.");
                        }
                        return true;
                    }
                    _running[started] = argv;
                }
                return Job(call, reply, started);
            case "StopUnit":
                var stopped = reader.ReadString();
                lock (_gate)
                {
                    _running.Remove(stopped);
                }
                return Job(call, reply, stopped);
            case "ResetFailedUnit":
                break;
            case "StartUnit":
                var start = reader.ReadString();
                lock (_gate)
                {
                    _running[start] = [];
                }
                return Job(call, reply, start);
            default:
                return false;
        }
        return Reply(call, reply, "", null);
    }

    private bool AnswerLogin(MethodContext call, bool reply)
    {
        if (call.Request.MemberAsString != "ListInhibitors")
        {
            return false;
        }
        List<(string What, string Who, string Why)> held;
        lock (_gate)
        {
            // The holder (hookctl inhibit-hold … -- DOMAIN) names its domain in the who, as the real one does.
            held = _running.Values.Where(a => a.Contains("inhibit-hold")).Select(a => (Arg(a, "--what"), "hookdispatcher:" + a[^1], Arg(a, "--why"))).ToList();
        }
        return Reply(call, reply, "a(ssssuu)", (ref MessageWriter w) =>
        {
            var start = w.WriteArrayStart(DBusType.Struct);
            foreach (var (what, who, why) in held)
            {
                w.WriteStructureStart();
                w.WriteString(what);
                w.WriteString(who);
                w.WriteString(why);
                w.WriteString("block");
                w.WriteUInt32(0);
                w.WriteUInt32(1);
            }
            w.WriteArrayEnd(start);
        });
    }

    private bool Job(MethodContext call, bool reply, string unit)
    {
        var id = Interlocked.Increment(ref _jobs);
        var job = FormattableString.Invariant($"/org/freedesktop/systemd1/job/{id}");
        if (!reply)
        {
            return true;
        }
        TestPeer.Reply(call, "o", (ref MessageWriter w) => w.WriteObjectPath(job));
        TestPeer.Emit(call.Connection, SystemdManager.Path, SystemdManager.Interface, "JobRemoved", "uoss", (ref MessageWriter w) =>
        {
            w.WriteUInt32(id);
            w.WriteObjectPath(job);
            w.WriteString(unit);
            w.WriteString("done");
        });
        return true;
    }

    private static bool Reply(MethodContext call, bool reply, string signature, TestPeer.WriteBody? body)
    {
        if (reply)
        {
            TestPeer.Reply(call, signature, body);
        }
        return true;
    }

    private static string Arg(IReadOnlyList<string> argv, string name) => argv[argv.ToList().IndexOf(name) + 1];

    private static string UnitPath(string unit) =>
        "/org/freedesktop/systemd1/unit/" + string.Concat(Encoding.UTF8.GetBytes(unit)
            .Select(b => char.IsAsciiLetterOrDigit((char)b) ? ((char)b).ToString() : $"_{b:x2}"));

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
