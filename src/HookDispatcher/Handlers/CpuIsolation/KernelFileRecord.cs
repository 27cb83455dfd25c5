using HookDispatcher.Engine;

namespace HookDispatcher.Handlers.CpuIsolation;

/// <summary>
/// The records of a kernel file cpuIsolation narrows (<see cref="IrqAffinityStep"/>, <see cref="WorkqueueMaskStep"/>):
/// each has a kind of its own, so that other domains' records of one kind are exactly the holders of those files;
/// what undoes, checks and describes them lives with the step that applies them.
/// </summary>
internal sealed class KernelFileRecord(
    string name,
    Action<StepRecord, ExecContext> undo,
    Func<StepRecord, IReadOnlyList<string>> describeUndo,
    Func<StepRecord, ExecContext, IReadOnlyList<Finding>>? reconcile = null) : IRecordKind
{
    public string Name => name;

    // The IRQ and workqueue files are shared by every isolating domain.
    public bool SharesHostState => true;

    public void Undo(StepRecord record, ExecContext context) => undo(record, context);

    public IReadOnlyList<string> DescribeUndo(StepRecord record) => describeUndo(record);

    public IReadOnlyList<Finding> Reconcile(StepRecord record, ExecContext context) => reconcile?.Invoke(record, context) ?? [];
}
