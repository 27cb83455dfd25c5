namespace HookDispatcher.Engine;

/// <summary>What a step sees while it applies: the host, the journal of its own record, and the other domains.</summary>
internal sealed class StepScope(ExecContext context, StepRecord record, DomainRun run)
{
    public ExecContext Context { get; } = context;

    public StepRecord Record { get; } = record;

    /// <summary>Persist what undo needs, before the first host change.</summary>
    public void Intent(IReadOnlyDictionary<string, string> data)
    {
        Merge(data);
        Record.Status = StepStatus.Intent;
        run.Journal(Record);
    }

    /// <summary>
    /// Takes a resource no other domain may hold at once (a PCI function): <paramref name="intent"/> checks the
    /// ledger as it is now and returns the intent, which is journalled before the host lock is let go, so two
    /// domains can never both find it free. Any wait that follows (a bind, a device node) runs outside the lock.
    /// </summary>
    public void Claim(Func<ExecContext, IReadOnlyDictionary<string, string>> intent)
    {
        using var held = run.Host.Enter();
        Intent(intent(run.Context(Context.Log, shared: false)));
    }

    /// <summary>Persist the outcome once the host change is complete and verified.</summary>
    public void Done(IReadOnlyDictionary<string, string>? data = null)
    {
        if (data is not null)
        {
            Merge(data);
        }
        Record.Status = StepStatus.Done;
        run.Persist();
    }

    /// <summary>Persist a change to what undo needs (a partial result), keeping the status.</summary>
    public void Update(IReadOnlyDictionary<string, string> data)
    {
        Merge(data);
        run.Persist();
    }

    private void Merge(IReadOnlyDictionary<string, string> data)
    {
        foreach (var (key, value) in data)
        {
            Record.Data[key] = value;
        }
    }
}
