using System.Diagnostics;
using HookDispatcher.Host;

namespace HookDispatcher.Engine;

/// <summary>What a step sees while it applies: the host, the journal of its own record, and the other domains.</summary>
/// <param name="kind">The kind the step journals (<see cref="Step.Kind"/>): the data it journals must be of it.</param>
internal sealed class StepScope(ExecContext context, StepRecord record, DomainRun run, string kind)
{
    public ExecContext Context { get; } = context;

    public StepRecord Record { get; } = record;

    /// <summary>Persist what undo needs, before the first host change; the step may fill in more of it later (<see cref="Update"/>, <see cref="Done()"/>).</summary>
    public void Intent(RecordData data)
    {
        Set(data);
        Record.Status = StepStatus.Intent;
        run.Journal(Record);
    }

    /// <summary>
    /// Takes a resource no other domain may hold at once (a PCI function): <paramref name="intent"/> checks the
    /// ledger as it is now and returns the intent, which is journalled before the host lock is let go, so two
    /// domains can never both find it free. Any wait that follows (a bind, a device node) runs outside the lock.
    /// </summary>
    public void Claim(Func<ExecContext, RecordData> intent)
    {
        using var held = run.Host.Enter();
        Intent(intent(run.Context(Context.Log, shared: false)));
    }

    /// <summary>
    /// <see cref="Claim"/> of a resource other domains may share and give back outside the host lock (a unit held
    /// stopped, the kvmfr module): while another domain's record of this kind that <paramref name="conflicts"/> is
    /// being given back (<see cref="DomainRun.IsReleasing"/>: it will start that unit, unload that module), this
    /// waits for it outside the lock, reading only the state files, at most the lock timeout, then claims (with a
    /// warning if it is still not finished). Without the wait the claim would count on what the other is about to
    /// undo. <paramref name="beforeClaim"/> reads, outside the lock, what the claim needs of the host once no release
    /// is in the way (again if one began meanwhile).
    /// </summary>
    public void ClaimAfterReleases(Func<StepRecord, bool> conflicts, Action beforeClaim, Func<ExecContext, RecordData> intent)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (run.Host.Timeout - clock.Elapsed is { Ticks: > 0 } left)
            {
                Poll.Until(() => Releasing(run.Context(Context.Log, shared: false), conflicts).Count == 0, left, TimeSpan.FromMilliseconds(20));
            }
            beforeClaim();
            using (run.Host.Enter())
            {
                var context = run.Context(Context.Log, shared: false);
                var busy = Releasing(context, conflicts);
                if (busy.Count == 0 || clock.Elapsed >= run.Host.Timeout)
                {
                    if (busy.Count > 0)
                    {
                        Context.Log.Warning("Domain {Other:l} is still giving back {Step:l} after {Seconds:0} s; going ahead", busy[0].Domain, busy[0].Record.Id, clock.Elapsed.TotalSeconds);
                    }
                    Intent(intent(context));
                    return;
                }
            }
        }
    }

    /// <summary>Other domains' records of this kind that <paramref name="conflicts"/> and are being given back now.</summary>
    private IReadOnlyList<(string Domain, StepRecord Record)> Releasing(ExecContext context, Func<StepRecord, bool> conflicts) =>
        context.Ledger.Holders(kind, r => DomainRun.IsReleasing(r) && conflicts(r), exceptDomain: context.Domain);

    /// <summary>Persist the outcome once the host change is complete and verified (with what the data gained since the intent).</summary>
    public void Done()
    {
        Record.Status = StepStatus.Done;
        run.Persist();
    }

    /// <summary>Persist a step's outcome that had no intent to journal: it changed nothing undo must know before.</summary>
    public void Done(RecordData data)
    {
        Set(data);
        Done();
    }

    /// <summary>Persist a change to what undo needs (a partial result the step wrote into its data), keeping the status.</summary>
    public void Update() => run.Persist();

    private void Set(RecordData data)
    {
        if (data.Kind != kind)
        {
            throw new InvalidOperationException($"step {Record.Id} of kind '{kind}' journals data of kind '{data.Kind}'");
        }
        Record.Data = data;
    }
}
