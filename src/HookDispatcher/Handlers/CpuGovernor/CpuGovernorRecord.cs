using HookDispatcher.Engine;
using HookDispatcher.Host;

namespace HookDispatcher.Handlers.CpuGovernor;

/// <summary>
/// The governor and EPP of the cpufreq policies a domain tuned (<see cref="CpuGovernorStep"/>): each policy gets its
/// own value back when its last holder goes.
/// </summary>
internal sealed class CpuGovernorRecord : IRecordKind
{
    public string Name => CpuGovernorHandler.KindName;

    public bool SharesHostState => true;

    public void Undo(StepRecord record, ExecContext context) => CpuGovernorStep.Undo(record, context);

    public IReadOnlyList<string> DescribeUndo(StepRecord record) => CpuGovernorStep.DescribeUndo(record);
}
