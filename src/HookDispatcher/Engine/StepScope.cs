namespace HookDispatcher.Engine;

/// <summary>What a step sees while it applies: the host, the journal of its own record, and the other domains.</summary>
internal sealed class StepScope(ExecContext context, StepRecord record, Action persist)
{
    public ExecContext Context { get; } = context;

    public StepRecord Record { get; } = record;

    /// <summary>Persist what undo needs, before the first host change.</summary>
    public void Intent(IReadOnlyDictionary<string, string> data)
    {
        Merge(data);
        Record.Status = StepStatus.Intent;
        persist();
    }

    /// <summary>Persist the outcome once the host change is complete and verified.</summary>
    public void Done(IReadOnlyDictionary<string, string>? data = null)
    {
        if (data is not null)
        {
            Merge(data);
        }
        Record.Status = StepStatus.Done;
        persist();
    }

    private void Merge(IReadOnlyDictionary<string, string> data)
    {
        foreach (var (key, value) in data)
        {
            Record.Data[key] = value;
        }
    }
}
