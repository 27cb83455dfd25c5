namespace HookDispatcher.DBus;

internal sealed partial class SystemdManager
{
    public const string JobRemovedMatch =
        "type='signal',sender='org.freedesktop.systemd1',path='/org/freedesktop/systemd1'," +
        "interface='org.freedesktop.systemd1.Manager',member='JobRemoved'";

    private bool _subscribed;

    /// <summary>
    /// Routes JobRemoved to this connection (AddMatch) and asks systemd to emit it (Subscribe). Must precede the job
    /// call: a JobRemoved that arrives during the call is then queued by the connection, not lost. Idempotent.
    /// </summary>
    public void Subscribe()
    {
        if (_subscribed)
        {
            return;
        }
        connection.AddMatch(JobRemovedMatch, callTimeout);
        connection.Call(Manager("Subscribe", ""), callTimeout).Dispose();
        _subscribed = true;
    }

    /// <summary>
    /// Waits for JobRemoved(u id, o job, s unit, s result) of <paramref name="job"/> and returns its result:
    /// "done", "canceled", "timeout", "failed", "dependency" or "skipped".
    /// </summary>
    public string WaitForJob(ObjectPath job, TimeSpan timeout)
    {
        if (!_subscribed)
        {
            throw new InvalidOperationException("Call Subscribe() before the job is queued, or JobRemoved may be missed");
        }
        string? result = null;
        using var signal = connection.WaitForSignal(message =>
        {
            if (message.Interface != Interface || message.Member != "JobRemoved" || message.Signature != "uoss")
            {
                return false;
            }
            var reader = message.GetBodyReader();
            reader.ReadUInt32();
            if (reader.ReadObjectPath() != job)
            {
                return false;
            }
            reader.ReadString();
            result = reader.ReadString();
            return true;
        }, timeout);
        return signal is not null && result is not null
            ? result
            : throw new TimeoutException($"systemd job {job} did not finish within {timeout.TotalSeconds:0.#} s");
    }
}
