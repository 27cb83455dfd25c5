using HookDispatcher.Host;
using Serilog;

namespace HookDispatcher.Engine;

/// <summary>
/// Applies planned steps with a journal entry before and after each, and undoes from the state file. All of it
/// happens under the state lock, so domains sharing a pool see each other's records.
/// </summary>
internal sealed partial class Executor(IHostFs fs, StateStore store, IReadOnlyList<IHandler> handlers, TimeSpan lockTimeout)
{
    /// <summary>
    /// Applies <paramref name="steps"/>, logging to <paramref name="log"/> (which carries the event's fields) for <paramref name="eventName"/>. On failure every step this call applied
    /// is undone in reverse order and <see cref="StepFailedException"/> is thrown.
    /// </summary>
    public void Apply(string domain, string? uuid, string eventName, IReadOnlyList<Step> steps, bool undoStaleFirst, ILogger log)
    {
        if (steps.Count == 0 && !undoStaleFirst)
        {
            return;
        }
        using var held = StateLock.Acquire(store, lockTimeout);
        var state = store.Load(domain) ?? new DomainState { Domain = domain };
        var context = Context(state, log);
        if (undoStaleFirst && state is { Steps.Count: > 0 })
        {
            // libvirt did not call release for the previous run (libvirtd crashed, or the hook was killed):
            // give back what that run held before taking it again.
            context.Log.Warning("Undoing {Count} step(s) left from a previous run of {Domain:l}", state.Steps.Count, domain);
            var leftover = UndoAll(state, context);
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
            if (state.Steps.Any(r => r.Id == step.Id && r.Status == StepStatus.Done))
            {
                context.Log.Information("Step {HOOK_STEP:l} already applied; skipping", step.Id);
                continue;
            }
            state.Steps.RemoveAll(r => r.Id == step.Id);
            var record = new StepRecord { Id = step.Id, Kind = step.Kind, Event = eventName, Status = StepStatus.Intent };
            state.Steps.Add(record);
            var stepLog = context.Log.ForContext("HOOK_STEP", step.Id);
            try
            {
                step.Apply(new StepScope(context with { Log = stepLog }, record, () => store.Save(state)));
                applied.Add(record);
                stepLog.Information("{Summary:l}", step.Summary);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A step journals its intent (with data) before its first host change; without it, nothing happened.
                if (record.Data.Count > 0)
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
                    undoFailures = Undo(state, applied, context);
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
    /// Runs <paramref name="action"/> under the lock on the domain's state; null when it holds nothing. libvirt runs
    /// one domain's events one after another, so with no state file now there is none to wait for: a domain that
    /// holds nothing creates neither the state directory nor the lock.
    /// </summary>
    private T? WithState<T>(string domain, ILogger log, Func<DomainState, ExecContext, T> action) where T : class
    {
        if (!File.Exists(store.PathOf(domain)))
        {
            return null;
        }
        using var held = StateLock.Acquire(store, lockTimeout);
        return store.Load(domain) is { } state ? action(state, Context(state, log)) : null;
    }

    /// <summary>
    /// The other domains' state cannot change while the lock is held, so the ledger is read once per event.
    /// </summary>
    private ExecContext Context(DomainState state, ILogger log)
    {
        var context = new ExecContext(state.Domain, fs, store, log.ForContext("LIBVIRT_DOMAIN", state.Domain), Ledger.Load(store, state));
        foreach (var unreadable in context.Ledger.Unreadable)
        {
            context.Log.Warning("Ignoring an unreadable state file (its domain counts as holding nothing): {Reason:l}", unreadable);
        }
        return context;
    }

    private List<string> UndoAll(DomainState state, ExecContext context)
    {
        if (state.Steps.Count == 0)
        {
            Persist(state);
            return [];
        }
        return Undo(state, state.Steps.ToList(), context);
    }

    /// <summary>
    /// Undoes <paramref name="records"/> in reverse order; each success is journalled at once. Returns the undo
    /// failures; throws <see cref="StateException"/> only when the journal cannot be brought up to date at all.
    /// </summary>
    private List<string> Undo(DomainState state, IReadOnlyList<StepRecord> records, ExecContext context)
    {
        var failures = new List<string>();
        var journalBehind = false;
        for (var i = records.Count - 1; i >= 0; i--)
        {
            var record = records[i];
            var stepLog = context.Log.ForContext("HOOK_STEP", record.Id);
            var handler = handlers.FirstOrDefault(h => h.Kind == record.Kind);
            try
            {
                if (handler is null)
                {
                    throw new StateException($"no handler for kind '{record.Kind}' (state written by another version?)");
                }
                handler.Undo(record, context with { Log = stepLog });
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                stepLog.Error("Undo of {HOOK_STEP:l} failed: {Reason:l}", record.Id, e.Message);
                failures.Add($"{record.Id}: {e.Message}");
                continue;
            }
            state.Steps.Remove(record);
            stepLog.Information("Undid {HOOK_STEP:l}", record.Id);
            try
            {
                Persist(state);
            }
            catch (StateException e)
            {
                // The host change is undone; only the journal still lists it. The next save (at the latest the one
                // after this loop) drops it, and undoing a record twice is harmless: not an undo failure.
                stepLog.Warning("Undid {HOOK_STEP:l} but could not record that yet: {Reason:l}", record.Id, e.Message);
                journalBehind = true;
            }
        }
        if (journalBehind)
        {
            Persist(state);
        }
        return failures;
    }

    private void Persist(DomainState state)
    {
        if (state.Steps.Count == 0)
        {
            store.Delete(state.Domain);
        }
        else
        {
            store.Save(state);
        }
    }
}
