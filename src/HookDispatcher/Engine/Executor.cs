using HookDispatcher.Host;
using Serilog;

namespace HookDispatcher.Engine;

/// <summary>
/// Applies planned steps with a journal entry before and after each, and undoes from the state file.
/// <para><b>Concurrency model.</b> libvirt runs one domain's events one after another, but different domains'
/// hooks at once, and <c>hookctl</c> may run beside them. Two flocks in the state directory (<see cref="StateLock"/>):</para>
/// <list type="bullet">
/// <item>The <b>domain lock</b> is held for a whole event of that domain (and by <c>hookctl release/forget</c> of it):
/// only its holder writes the domain's state file, so the event keeps it in memory (<see cref="DomainRun"/>).</item>
/// <item>The <b>host lock</b> is held only for short read-modify-writes of what domains share: reading the
/// ledger (every state file) and acting on it, and each journal write. A step or undo whose handler
/// <see cref="IRecordKind.SharesHostState"/> (hugepage pools, AllowedCPUs, IRQ and workqueue masks, cpufreq) runs
/// under it whole: its writes are quick and depend on what the others hold. Every other step (device binds and
/// their waits, module loads, systemd jobs, user scripts) runs outside it; one that takes a resource no other domain
/// may hold checks the ledger and journals its intent in one critical section (<see cref="StepScope.Claim"/>), and an
/// undo outside it of what several domains may hold (a unit kept stopped, the kvmfr module) decides and journals what
/// it still gives back in one (<see cref="ExecContext.LetGo"/>), so two releases at once never both leave it to the other;
/// a domain that takes such a resource while another is still giving it back waits for that, bounded and outside the
/// lock (<see cref="StepScope.ClaimAfterReleases"/>).</item>
/// <item>Order: domain lock, then host lock, never the reverse, so hooks cannot deadlock. Each record takes the
/// next sequence number of the ledger when first journalled, so "first" and "last holder" follow the order domains
/// took a resource.</item>
/// </list>
/// <para>So a slow script or a stuck device in one domain delays another domain's event only by the time of a
/// ledger update.</para>
/// </summary>
internal sealed partial class Executor(IHostFs fs, StateStore store, IReadOnlyList<IHandler> handlers, TimeSpan lockTimeout)
{
    private readonly RecordKinds _kinds = new(handlers);

    /// <summary>Every record kind the handlers journal: what undoes, checks and describes each.</summary>
    public RecordKinds RecordKinds => _kinds;

    /// <summary>
    /// Applies <paramref name="steps"/>, logging to <paramref name="log"/> (which carries the event's fields) for <paramref name="eventName"/>. On failure every step this call applied
    /// is undone in reverse order and <see cref="StepFailedException"/> is thrown.
    /// </summary>
    public void Apply(string domain, string? uuid, string eventName, IReadOnlyList<Step> steps, bool undoStaleFirst, ILogger log)
    {
        if (steps.Count == 0 && (!undoStaleFirst || !File.Exists(store.PathOf(domain))))
        {
            return;
        }
        using var held = StateLock.ForDomain(store, domain, lockTimeout);
        var run = Run(store.Load(domain) ?? new DomainState { Domain = domain }, log);
        var state = run.State;
        if (undoStaleFirst && state is { Steps.Count: > 0 })
        {
            // libvirt did not call release for the previous run (libvirtd crashed, or the hook was killed):
            // give back what that run held before taking it again.
            run.Log.Warning("Undoing {Count} step(s) left from a previous run of {Domain:l}", state.Steps.Count, domain);
            var leftover = UndoAll(run);
            if (leftover.Count > 0)
            {
                throw new StepFailedException("previous run",
                    $"could not undo what it left: {string.Join("; ", leftover)}; once the host is put right by hand, 'hookctl forget {domain}' drops those records",
                    []);
            }
        }
        state.Uuid = uuid ?? state.Uuid;
        var applied = new List<StepRecord>();
        foreach (var step in steps)
        {
            var stepLog = run.Log.ForContext("HOOK_STEP", step.Id);
            var earlier = state.Steps.FirstOrDefault(r => r.Id == step.Id);
            if (earlier is { Status: StepStatus.Done })
            {
                stepLog.Information("Step {HOOK_STEP:l} already applied; skipping", step.Id);
                continue;
            }
            if (earlier is not null)
            {
                // An intent left by an interrupted try of this step (a crash after its journal entry): what it may
                // have changed is given back first, or it would be lost with the record.
                stepLog.Warning("Step {HOOK_STEP:l} was interrupted earlier; undoing what it may have done before taking it again", step.Id);
                var failures = new List<string>();
                if (!UndoOne(run, earlier, failures))
                {
                    throw new StepFailedException(step.Id, $"could not undo its interrupted earlier try: {string.Join("; ", failures)}", []);
                }
            }
            var record = new StepRecord { Id = step.Id, Event = eventName, Status = StepStatus.Intent };
            state.Steps.Add(record);
            try
            {
                var shared = _kinds.SharesHostState(step.Kind);
                using (run.HostIf(shared))
                {
                    step.Apply(new StepScope(run.Context(stepLog, shared), record, run, step.Kind));
                }
                applied.Add(record);
                stepLog.Information("{Summary:l}", step.Summary);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A step journals its intent (with data) before its first host change; without it, nothing happened.
                if (record.Data is not null)
                {
                    applied.Add(record);
                }
                else
                {
                    state.Steps.Remove(record);
                }
                stepLog.Error("Step {HOOK_STEP:l} failed: {Reason:l}", step.Id, e.Message);
                // Undo journals each success; with nothing applied the state file was not touched by this event.
                List<string> undoFailures;
                try
                {
                    undoFailures = Undo(run, applied);
                }
                catch (StateException persist)
                {
                    undoFailures = [persist.Message];
                }
                throw new StepFailedException(step.Id, e.Message, undoFailures);
            }
        }
    }

    /// <summary>Undoes everything the domain holds. Returns the failures; failed records stay for a retry.</summary>
    public IReadOnlyList<string> Release(string domain, ILogger log)
    {
        return WithState(domain, log, UndoAll) ?? [];
    }

    /// <summary>
    /// Runs <paramref name="action"/> under the domain's lock on its state; null when it holds nothing. libvirt runs
    /// one domain's events one after another, so with no state file now there is none to wait for: a domain that
    /// holds nothing creates neither the state directory nor a lock.
    /// </summary>
    private T? WithState<T>(string domain, ILogger log, Func<DomainRun, T> action) where T : class
    {
        if (!File.Exists(store.PathOf(domain)))
        {
            return null;
        }
        using var held = StateLock.ForDomain(store, domain, lockTimeout);
        return store.Load(domain) is { } state ? action(Run(state, log)) : null;
    }

    private DomainRun Run(DomainState state, ILogger log) => new(state, fs, store, new HostLock(store, lockTimeout), log);

    private List<string> UndoAll(DomainRun run)
    {
        if (run.State.Steps.Count == 0)
        {
            run.Persist();
            return [];
        }
        return Undo(run, run.State.Steps.ToList());
    }

    /// <summary>
    /// Undoes <paramref name="records"/> in reverse order; each success is journalled at once. Returns the undo
    /// failures; throws <see cref="StateException"/> only when the journal cannot be brought up to date at all.
    /// </summary>
    private List<string> Undo(DomainRun run, IReadOnlyList<StepRecord> records)
    {
        var failures = new List<string>();
        var journalBehind = false;
        for (var i = records.Count - 1; i >= 0; i--)
        {
            var before = failures.Count;
            if (!UndoOne(run, records[i], failures, persistFailures: true) && failures.Count == before)
            {
                journalBehind = true;
            }
        }
        if (journalBehind)
        {
            run.Persist();
        }
        return failures;
    }

    /// <summary>
    /// Undoes one record and drops it from the journal. False when the undo failed (the reason is added to
    /// <paramref name="failures"/>, the record kept) or when it succeeded but could not be journalled yet
    /// (<paramref name="persistFailures"/>: then nothing is added; the next save drops it, and undoing twice is harmless).
    /// </summary>
    private bool UndoOne(DomainRun run, StepRecord record, List<string> failures, bool persistFailures = false)
    {
        var stepLog = run.Log.ForContext("HOOK_STEP", record.Id);
        var kind = _kinds.Of(record);
        // A shared record leaves the journal in the same critical section as its undo: another domain must never
        // see the host without it but the ledger with it.
        using var shared = run.HostIf(kind?.SharesHostState ?? false);
        try
        {
            if (kind is null)
            {
                throw new StateException($"no record kind '{record.Kind}' in this build (state written by another version?)");
            }
            kind.Undo(record, run.Context(stepLog, kind.SharesHostState));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            stepLog.Error("Undo of {HOOK_STEP:l} failed: {Reason:l}", record.Id, e.Message);
            failures.Add($"{record.Id}: {e.Message}");
            // Kept for a retry, it is no longer being given back: another domain need not wait for it.
            if (record.Releasing is not null)
            {
                record.Releasing = null;
                try
                {
                    run.Persist();
                }
                catch (StateException persist)
                {
                    stepLog.Warning("Could not record that {HOOK_STEP:l} is no longer being given back: {Reason:l}", record.Id, persist.Message);
                }
            }
            return false;
        }
        run.State.Steps.Remove(record);
        stepLog.Information("Undid {HOOK_STEP:l}", record.Id);
        try
        {
            run.Persist();
        }
        catch (StateException e) when (persistFailures)
        {
            // The host change is undone; only the journal still lists it.
            stepLog.Warning("Undid {HOOK_STEP:l} but could not record that yet: {Reason:l}", record.Id, e.Message);
            return false;
        }
        return true;
    }
}
