namespace HookDispatcher.Engine;

/// <summary>
/// One planned host change. <see cref="Actions"/> lists the exact writes for the dry run; <see cref="Apply"/>
/// must record its intent through the scope before it touches the host, and its result after.
/// </summary>
internal abstract class Step
{
    /// <summary>Unique within a domain ("hugepages"); a done step with this id is not applied twice.</summary>
    public abstract string Id { get; }

    /// <summary>The kind of the record it journals: the <see cref="IRecordKind.Name"/> of what undoes it.</summary>
    public abstract string Kind { get; }

    public abstract string Summary { get; }

    public abstract IReadOnlyList<string> Actions { get; }

    /// <summary>The writes one by one where <see cref="Actions"/> summarises many (the dry run's --verbose).</summary>
    public virtual IReadOnlyList<string> DetailedActions => Actions;

    public abstract void Apply(StepScope scope);
}
