namespace HookDispatcher.Engine;

/// <summary>One feature (hugepages, gpu, …): turns its rule section into steps and undoes its own records.</summary>
internal interface IHandler
{
    string Kind { get; }

    /// <summary>The steps this handler takes at the event in <paramref name="context"/> (none when not configured).</summary>
    IEnumerable<Step> Plan(PlanContext context);

    /// <summary>Reverts one record. Must be safe for an <see cref="StepStatus.Intent"/> record whose change never happened.</summary>
    void Undo(StepRecord record, ExecContext context);

    /// <summary>The writes <see cref="Undo"/> would make, for the dry run of release.</summary>
    IReadOnlyList<string> DescribeUndo(StepRecord record);
}
