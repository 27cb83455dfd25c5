using HookDispatcher.Engine;
using HookDispatcher.Host;

namespace HookDispatcher.Handlers.LookingGlass;

/// <summary>
/// <c>/dev/kvmfr0</c> and the kvmfr module as one domain uses them (<see cref="KvmfrStep"/>, which also undoes
/// them): shared by every domain that uses kvmfr, put back by the last one released.
/// </summary>
internal sealed class KvmfrRecord(Func<IHostFs, OwnedFiles> files, IKernelModules modules) : IRecordKind
{
    public const string KindName = LookingGlassHandler.KindName + ".kvmfr";

    public string Name => KindName;

    public void Undo(StepRecord record, ExecContext context) => KvmfrStep.Undo(record, context, modules, files(context.Fs));

    public IReadOnlyList<string> DescribeUndo(StepRecord record) => KvmfrStep.DescribeUndo(record);

    public IReadOnlyList<string> DescribeHost(StepRecord record, IHostFs fs) => KvmfrStep.DescribeHost(fs, modules, files(fs));
}

/// <summary>
/// The <c>/dev/shm/&lt;name&gt;</c> file of one domain (<see cref="ShmFileStep"/>): removed at release if the hook
/// created it, else given back the owner and mode found.
/// </summary>
internal sealed class ShmFileRecord(Func<IHostFs, OwnedFiles> files) : IRecordKind
{
    public const string KindName = LookingGlassHandler.KindName + ".shm";

    public string Name => KindName;

    public void Undo(StepRecord record, ExecContext context)
    {
        var owned = files(context.Fs);
        var path = record.Get("path");
        if (record.Data.GetValueOrDefault("created") == "true")
        {
            owned.Delete(path);
        }
        else if (record.Data.TryGetValue("found", out var found) && owned.Stat(path) is not null)
        {
            owned.SetOwner(path, ShmFileStep.ParseOwner(found));
        }
    }

    public IReadOnlyList<string> DescribeUndo(StepRecord record) =>
        record.Data.GetValueOrDefault("created") == "true"
            ? [$"remove {record.Get("path")} (created at prepare)"]
            : record.Data.TryGetValue("found", out var found)
                ? [$"give {record.Get("path")} back {ShmFileStep.ParseOwner(found)}"]
                : [];

    public IReadOnlyList<string> DescribeHost(StepRecord record, IHostFs fs) =>
        [files(fs).Stat(record.Get("path")) is { } now ? $"{record.Get("path")}: {now}" : $"{record.Get("path")}: absent"];
}
