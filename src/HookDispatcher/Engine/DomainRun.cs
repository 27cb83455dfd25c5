using HookDispatcher.Host;
using Serilog;

namespace HookDispatcher.Engine;

/// <summary>
/// One event's work on one domain's state, with the domain lock held by the caller: the state as kept in memory, the
/// journal writes (each under the host lock) and the contexts steps and undos act in.
/// </summary>
internal sealed class DomainRun(DomainState state, IHostFs fs, StateStore store, HostLock host, ILogger log)
{
    private readonly HashSet<string> _warned = new(StringComparer.Ordinal);

    public DomainState State { get; } = state;

    public HostLock Host { get; } = host;

    public ILogger Log { get; } = log.ForContext("LIBVIRT_DOMAIN", state.Domain);

    /// <summary>The host lock for the whole of what follows when <paramref name="shared"/>, else nothing.</summary>
    public IDisposable? HostIf(bool shared) => shared ? Host.Enter() : null;

    /// <summary>
    /// A context with the ledger read now. For a step or an undo of what domains share (<paramref name="shared"/>,
    /// the host lock held) an unreadable state file stops it: what that domain holds is unknown, so the safe side is
    /// to change nothing that depends on it (no pages given back, no CPUs widened, no host value taken as the
    /// original) until it is dealt with.
    /// </summary>
    public ExecContext Context(ILogger stepLog, bool shared)
    {
        var ledger = Ledger.Load(store, State);
        foreach (var unreadable in ledger.Unreadable.Where(u => _warned.Add(u.Path)))
        {
            Log.Warning("Unreadable state file of domain {Other:l}: {Reason:l}; what it holds is unknown, so nothing shared with it is changed", unreadable.Domain, unreadable.Message);
        }
        if (shared && ledger.Unreadable.Count > 0)
        {
            throw new StateException(
                "left as it is, since what another domain holds is unknown: " + string.Join("; ", ledger.Unreadable.Select(u => u.Message)));
        }
        return new ExecContext(State.Domain, fs, store, stepLog, ledger) { Run = this };
    }

    /// <summary>
    /// The release side of <see cref="StepScope.Claim"/>, for an undo of what domains share that runs outside the
    /// host lock (systemd jobs, a module unload): under the host lock, with the ledger read now, <paramref name="keep"/>
    /// narrows <paramref name="record"/>'s data to what this domain still gives back and says whether anything is
    /// left (false: another domain holds it all and gives it back; the record is dropped). That is journalled before
    /// the lock is let go, so of two domains released at once the second always sees the first one's decision: they
    /// can never both leave a shared unit or module to the other. A record kept is marked as being given back
    /// (<see cref="IsReleasing"/>) until its undo ends, so that a domain about to take the same resource waits for
    /// it (<see cref="StepScope.ClaimAfterReleases"/>). Returns false when the record was dropped.
    /// </summary>
    public bool LetGo(StepRecord record, Func<Ledger, bool> keep)
    {
        using var held = Host.Enter();
        var kept = keep(Ledger.Load(store, State));
        if (kept)
        {
            record.Releasing = Environment.ProcessId;
        }
        else
        {
            State.Steps.Remove(record);
        }
        Persist();
        return kept;
    }

    /// <summary>
    /// Whether <paramref name="record"/>'s domain is giving back what it holds outside the host lock right now: the
    /// process that marked it still runs (a hook killed mid-release leaves the mark, and nobody should wait for it);
    /// asked of this machine's own /proc, where hooks run, not of the host root a test may simulate.
    /// </summary>
    public static bool IsReleasing(StepRecord record) => record.Releasing is { } pid && Directory.Exists($"/proc/{pid}");

    /// <summary>Writes the state file (deleted when it holds nothing), under the host lock: other domains read it there.</summary>
    public void Persist()
    {
        using var held = Host.Enter();
        if (State.Steps.Count == 0)
        {
            store.Delete(State.Domain);
        }
        else
        {
            store.Save(State);
        }
    }

    /// <summary>Journals <paramref name="record"/> for the first time: it takes the next number of the ledger, under the host lock.</summary>
    public void Journal(StepRecord record)
    {
        using var held = Host.Enter();
        if (record.Seq == 0)
        {
            record.Seq = Ledger.Load(store, State).NextSeq;
        }
        Persist();
    }
}
