using System.Globalization;
using HookDispatcher.Engine;
using HookDispatcher.Host;

namespace HookDispatcher.Handlers.LookingGlass;

/// <summary>
/// Creates <c>/dev/shm/&lt;name&gt;</c> with the client user's owner, group, mode and size before QEMU opens it, or
/// re-owns a file that is already there (QEMU left it, or the user made it). Record data: <c>path</c>;
/// <c>created</c> "true" when this step made it (release removes it); <c>found</c> "uid:gid:mode" of a file that was
/// there (release gives it back those).
/// </summary>
internal sealed class ShmFileStep(OwnedFiles files, string path, FileOwner owner, string ownerNames, long size, string from) : Step
{
    public override string Id => "lookingGlass.shm";

    public override string Kind => ShmFileRecord.KindName;

    public override string Summary => FormattableString.Invariant($"shared memory {path} for {ownerNames}, {size >> 20} MiB");

    public override IReadOnlyList<string> Actions =>
    [
        FormattableString.Invariant($"create {path} ({size >> 20} MiB, for {from}), owner {ownerNames} ({owner.Uid}:{owner.Gid}), mode {LookingGlassHandler.Octal(owner.Mode)}; if it exists, give it that owner and mode"),
        "at release: remove it if created here, else give back the owner and mode found",
    ];

    public override void Apply(StepScope scope)
    {
        var found = files.Stat(path);
        if (found is null)
        {
            scope.Intent(new ShmFileData { Path = path, Created = true });
            files.Create(path, owner, size);
        }
        else
        {
            scope.Intent(new ShmFileData { Path = path, Found = found });
            files.SetOwner(path, owner);
        }
        scope.Done();
    }

    /// <summary>An owner as formats 1 to 3 kept it: "uid:gid:octal mode".</summary>
    public static FileOwner ParseOwner(string text)
    {
        var parts = text.Split(':');
        return new FileOwner(uint.Parse(parts[0], CultureInfo.InvariantCulture), uint.Parse(parts[1], CultureInfo.InvariantCulture), Convert.ToUInt32(parts[2], 8));
    }
}
