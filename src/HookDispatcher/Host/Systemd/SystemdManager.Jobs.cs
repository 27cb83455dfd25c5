using Tmds.DBus.Protocol;

namespace HookDispatcher.Host.Systemd;

internal sealed partial class SystemdManager
{
    private readonly object _jobsGate = new();
    private readonly Dictionary<string, string> _finished = new(StringComparer.Ordinal);
    private IDisposable? _jobRemoved;

    /// <summary>
    /// JobRemoved as systemd sends it. The bus routes it only from the unique name that owns
    /// org.freedesktop.systemd1, and Tmds checks the sender of every signal against that owner again, so another
    /// client on the bus cannot finish our jobs for us.
    /// </summary>
    public static MatchRule JobRemovedRule => new()
    {
        Type = MessageType.Signal,
        Sender = Destination,
        Path = Path,
        Interface = Interface,
        Member = "JobRemoved",
    };

    /// <summary>
    /// Routes JobRemoved to this connection (AddMatch) and asks systemd to emit it (Subscribe). Must precede the job
    /// call: a JobRemoved that arrives before the call's reply is then kept, not lost. Idempotent.
    /// </summary>
    public void Subscribe()
    {
        if (_jobRemoved is not null)
        {
            return;
        }
        _jobRemoved = bus.Wait(bus.Connection.AddMatchAsync(JobRemovedRule, ReadJobRemoved, OnJobRemoved, emitOnCapturedContext: false).AsTask(),
            "watch JobRemoved on");
        using var writer = Manager("Subscribe", "");
        bus.Call(writer.CreateMessage(), "call Subscribe on");
    }

    /// <summary>
    /// Waits for JobRemoved(u id, o job, s unit, s result) of <paramref name="job"/> and returns its result:
    /// "done", "canceled", "timeout", "failed", "dependency" or "skipped".
    /// </summary>
    public string WaitForJob(string job, TimeSpan timeout)
    {
        if (_jobRemoved is null)
        {
            throw new InvalidOperationException("Call Subscribe() before the job is queued, or JobRemoved may be missed");
        }
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        lock (_jobsGate)
        {
            while (true)
            {
                if (_finished.Remove(job, out var result))
                {
                    return result;
                }
                var left = deadline - Environment.TickCount64;
                if (left <= 0 || !Monitor.Wait(_jobsGate, TimeSpan.FromMilliseconds(left)) && !_finished.ContainsKey(job))
                {
                    throw new TimeoutException($"systemd job {job} did not finish within {timeout.TotalSeconds:0.#} s");
                }
            }
        }
    }

    private static (string Job, string Result) ReadJobRemoved(Message message, object? state)
    {
        if (message.SignatureAsString != "uoss")
        {
            return ("", "");
        }
        var reader = message.GetBodyReader();
        reader.ReadUInt32();
        var job = reader.ReadObjectPathAsString();
        reader.ReadString();
        return (job, reader.ReadString());
    }

    private void OnJobRemoved(Notification<(string Job, string Result)> notification)
    {
        if (!notification.HasValue || notification.Value.Job.Length == 0)
        {
            return;
        }
        lock (_jobsGate)
        {
            _finished[notification.Value.Job] = notification.Value.Result;
            Monitor.PulseAll(_jobsGate);
        }
    }
}
