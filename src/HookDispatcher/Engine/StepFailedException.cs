namespace HookDispatcher.Engine;

/// <summary>A step failed while applying; completed steps were undone (or the undo failure is named).</summary>
internal sealed class StepFailedException(string stepId, string reason, IReadOnlyList<string> undoFailures)
    : Exception(Format(stepId, reason, undoFailures))
{
    public string StepId { get; } = stepId;

    public IReadOnlyList<string> UndoFailures { get; } = undoFailures;

    private static string Format(string stepId, string reason, IReadOnlyList<string> undoFailures) =>
        undoFailures.Count == 0
            ? $"{stepId}: {reason}"
            : $"{stepId}: {reason} (undo also failed: {string.Join("; ", undoFailures)}; 'hookctl release' retries)";
}
