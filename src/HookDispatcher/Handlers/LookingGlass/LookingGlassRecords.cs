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
        var data = record.As<ShmFileData>();
        if (data.Created)
        {
            owned.Delete(data.Path);
        }
        else if (data.Found is { } found && owned.Stat(data.Path) is not null)
        {
            owned.SetOwner(data.Path, found);
        }
    }

    public IReadOnlyList<string> DescribeUndo(StepRecord record) =>
        record.As<ShmFileData>() is var data && data.Created
            ? [$"remove {data.Path} (created at prepare)"]
            : data.Found is { } found
                ? [$"give {data.Path} back {found}"]
                : [];

    public IReadOnlyList<string> DescribeHost(StepRecord record, IHostFs fs) =>
        record.As<ShmFileData>().Path is var path && files(fs).Stat(path) is { } now ? [$"{path}: {now}"] : [$"{path}: absent"];
}

/// <summary>
/// What a <see cref="KvmfrRecord"/> holds: the device and the size the domain needs; whether the hook loaded the
/// module (its last user unloads it) or loaded the user's module again with a larger size (then the sizes it had,
/// null if unknown, come back); the sizes in force; the device's owner and mode as the first user found them.
/// </summary>
internal sealed class KvmfrData : RecordData
{
    protected override string KindName => KvmfrRecord.KindName;

    public required string Path { get; init; }

    public ulong SizeMiB { get; init; }

    public bool LoadedHere { get; init; }

    public bool Reloaded { get; init; }

    public List<ulong> ModuleSizes { get; init; } = [];

    public List<ulong>? UserSizes { get; init; }

    public FileOwner? Found { get; set; }

    public static KvmfrData FromLegacy(LegacyData data) => new()
    {
        Path = data.Text("path"),
        SizeMiB = (ulong)data.Long("sizeMiB"),
        LoadedHere = data.Flag("loadedHere"),
        Reloaded = data.Flag("reloaded"),
        ModuleSizes = [.. Kvmfr.Parse(data.Data.GetValueOrDefault("moduleSizes", "")) ?? []],
        // "unknown" (or missing): the sizes the user's module had could not be read.
        UserSizes = Kvmfr.Parse(data.Data.GetValueOrDefault("userSizes", "unknown")) is { } sizes ? [.. sizes] : null,
        Found = data.Optional("found") is { } found ? ShmFileStep.ParseOwner(found) : null,
    };
}

/// <summary>What a <see cref="ShmFileRecord"/> holds: the file, and whether the hook created it or the owner and mode it had.</summary>
internal sealed class ShmFileData : RecordData
{
    protected override string KindName => ShmFileRecord.KindName;

    public required string Path { get; init; }

    public bool Created { get; init; }

    public FileOwner? Found { get; init; }

    public static ShmFileData FromLegacy(LegacyData data) => new()
    {
        Path = data.Text("path"),
        Created = data.Flag("created"),
        Found = data.Optional("found") is { } found ? ShmFileStep.ParseOwner(found) : null,
    };
}
