using HookDispatcher.Engine;
using HookDispatcher.Host;

namespace HookDispatcher.Handlers.Gpu;

/// <summary>
/// Single-GPU handover, once its units are stopped and before anything is unbound: no process may still hold the
/// GPU's files (<c>/dev/nvidia*</c>, <c>/dev/dri/*</c>). nvidia's remove() waits for every such user, so an unbind
/// with one left would hang (bounded, but after a black screen); this names it at once, with its pid and command.
/// Changes nothing; its record only tells <c>hookctl status</c> that the check passed.
/// </summary>
internal sealed class GpuUsersStep(TimeSpan grace) : Step
{
    public const string Action = "usersChecked";

    public override string Id => "gpu.users";

    public override string Kind => GpuRecords.UsersChecked;

    public override string Summary => "check that no process holds the GPU's files";

    public override IReadOnlyList<string> Actions =>
    [
        FormattableString.Invariant(
            $"read /proc/*/fd: fail if a process still holds /dev/nvidia* or /dev/dri/* {grace.TotalSeconds:0.#} s after the units are stopped (its driver would wait for it in unbind)"),
    ];

    public override void Apply(StepScope scope)
    {
        var fs = scope.Context.Fs;
        // A stopped session's last processes may take a moment to close their files after the job is done.
        IReadOnlyList<(int Pid, string Comm, string Path)> users = [];
        if (!Poll.Until(() => (users = ProcScan.GpuUsers(fs)).Count == 0, grace, TimeSpan.FromMilliseconds(50)))
        {
            throw new InvalidOperationException(
                $"{ProcScan.Describe(users)}: the GPU's driver cannot let go while it is open; stop it (or list its unit in singleGpu.stopUnits or services.stop)");
        }
        scope.Done(new GpuUsersCheckedData());
    }
}
