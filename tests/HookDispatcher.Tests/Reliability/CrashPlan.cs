namespace HookDispatcher.Tests.Reliability;

/// <summary>
/// Numbers the host operations real hook processes make (attribute reads and writes through <see cref="FifoSysfs"/>,
/// systemd/logind calls through the peer) and stops the <see cref="KillAt"/>-th one: it is never answered,
/// <see cref="Reached"/> is set, and the test kills the waiting hook with SIGKILL. <see cref="KillAt"/> 0 only counts.
/// </summary>
internal sealed class CrashPlan(int killAt) : IDisposable
{
    private readonly Lock _gate = new();

    public int KillAt { get; } = killAt;

    public List<string> Operations { get; } = [];

    public ManualResetEventSlim Reached { get; } = new();

    /// <summary>Set by the test once the hook it killed has exited, so a withheld FIFO end can be closed.</summary>
    public ManualResetEventSlim Killed { get; } = new();

    /// <summary>Counts <paramref name="operation"/>; true when it is the one to stop at (the caller withholds it).</summary>
    public bool Take(string operation)
    {
        if (!Count(operation))
        {
            return false;
        }
        Stop();
        return true;
    }

    /// <summary>Like <see cref="Take"/>, but the caller calls <see cref="Stop"/> when the hook is to be killed.</summary>
    public bool Count(string operation)
    {
        lock (_gate)
        {
            Operations.Add(operation);
            return Operations.Count == KillAt;
        }
    }

    /// <summary>The hook is where it is to be killed.</summary>
    public void Stop() => Reached.Set();

    public void Dispose()
    {
        Reached.Dispose();
        Killed.Dispose();
    }
}
