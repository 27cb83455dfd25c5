using HookDispatcher.Engine;

namespace HookDispatcher.Handlers.CpuIsolation;

/// <summary>
/// The undo side of a step that another handler plans (cpuIsolation plans its IRQ and workqueue steps, each with a
/// record kind of its own so that other domains' records of one kind are exactly the holders of those files).
/// </summary>
internal sealed class UndoOnlyHandler(
    string kind,
    Action<StepRecord, ExecContext> undo,
    Func<StepRecord, IReadOnlyList<string>> describeUndo,
    Func<StepRecord, ExecContext, IReadOnlyList<Finding>>? reconcile = null) : IHandler
{
    public string Kind => kind;

    // The IRQ and workqueue files are shared by every isolating domain.
    public bool SharesHostState => true;

    public IEnumerable<Step> Plan(PlanContext context) => [];

    public void Undo(StepRecord record, ExecContext context) => undo(record, context);

    public IReadOnlyList<string> DescribeUndo(StepRecord record) => describeUndo(record);

    public IReadOnlyList<Finding> Reconcile(StepRecord record, ExecContext context) => reconcile?.Invoke(record, context) ?? [];
}
