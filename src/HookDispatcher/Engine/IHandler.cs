namespace HookDispatcher.Engine;

/// <summary>One feature (hugepages, gpu, …): turns its rule section into steps. What its records mean is its record kinds'.</summary>
internal interface IHandler
{
    /// <summary>The rule section it plans from (its name in errors).</summary>
    string Kind { get; }

    /// <summary>The steps this handler takes at the event in <paramref name="context"/> (none when not configured).</summary>
    IEnumerable<Step> Plan(PlanContext context);

    /// <summary>The kinds of the records its steps journal: how each is undone, checked and described.</summary>
    IReadOnlyList<IRecordKind> RecordKinds { get; }
}
