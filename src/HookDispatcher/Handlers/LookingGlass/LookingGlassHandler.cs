using HookDispatcher.Domain;
using HookDispatcher.Engine;
using HookDispatcher.Host;
using HookDispatcher.Rules;

namespace HookDispatcher.Handlers.LookingGlass;

/// <summary>
/// Looking Glass's shared memory, made before QEMU starts and put back at release (looking-glass.io, "IVSHMEM with
/// standard shared memory"): the <c>/dev/shm/&lt;name&gt;</c> file of the domain's <c>&lt;shmem&gt;</c>, owned by
/// the desktop user who runs the client (group kvm, mode 0660) and as large as the frames need.
/// </summary>
internal sealed class LookingGlassHandler(Func<IHostFs, OwnedFiles> files) : IHandler
{
    public const string KindName = "lookingGlass";

    public string Kind => KindName;

    /// <summary>
    /// looking-glass.io, "Determining memory": width × height × 4 bytes (8 with HDR) × 2 frames, + 10 MiB, rounded
    /// up to a power of two MiB (an IVSHMEM BAR is a power of two): 1920×1080 → 32, 2560×1440 → 64, 3840×2160 → 128.
    /// </summary>
    public static ulong AutoSizeMiB(int width, int height, bool hdr)
    {
        var bytes = (ulong)width * (ulong)height * (hdr ? 8UL : 4UL) * 2 + 10UL * 1024 * 1024;
        return ulong.Max(1, System.Numerics.BitOperations.RoundUpToPowerOf2((bytes + (1UL << 20) - 1) >> 20));
    }

    public IEnumerable<Step> Plan(PlanContext context)
    {
        var rule = context.Rules.LookingGlass;
        if (rule is null || rule.At != context.Stage)
        {
            return [];
        }
        if (rule.Device == LookingGlassDevice.Kvmfr)
        {
            throw Refuse("device \"kvmfr\" (the KVMFR module) is not implemented in this version; use \"shm\"");
        }
        var sizeMiB = rule.SizeMiB ?? AutoSizeMiB(rule.Width, rule.Height, rule.Hdr);
        var from = rule.SizeMiB is null
            ? FormattableString.Invariant($"{rule.Width}×{rule.Height}{(rule.Hdr ? " HDR" : "")}")
            : "the rule's sizeMiB";
        var shmem = Shmem(context.Domain);
        var bytes = sizeMiB << 20;
        if (shmem.SizeBytes is { } xmlSize && xmlSize != bytes)
        {
            throw Refuse(FormattableString.Invariant(
                $"<shmem name='{shmem.Name}'> has <size> {xmlSize >> 20} MiB but Looking Glass needs {sizeMiB} MiB for {from}: set <size unit='M'>{sizeMiB}</size> in the domain XML (or sizeMiB in the rule)"));
        }
        var accounts = new Accounts(context.Fs);
        var uid = accounts.Uid(rule.Owner) ?? throw Refuse($"owner \"{rule.Owner}\" is not a user in /etc/passwd");
        var gid = accounts.Gid(rule.Group) ?? throw Refuse($"group \"{rule.Group}\" is not a group in /etc/group");
        var owner = new FileOwner(uid, gid, rule.Mode);
        return [new ShmFileStep(files(context.Fs), $"/dev/shm/{shmem.Name}", owner, $"{rule.Owner}:{rule.Group}", (long)bytes, from)];
    }

    public void Undo(StepRecord record, ExecContext context)
    {
        var files1 = files(context.Fs);
        var path = record.Get("path");
        if (record.Data.GetValueOrDefault("created") == "true")
        {
            files1.Delete(path);
        }
        else if (record.Data.TryGetValue("found", out var found) && files1.Stat(path) is not null)
        {
            files1.SetOwner(path, ShmFileStep.ParseOwner(found));
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

    /// <summary>The ivshmem-plain device Looking Glass maps: the one named looking-glass, else the only one.</summary>
    private static SharedMemoryDevice Shmem(DomainInfo domain)
    {
        var plain = domain.SharedMemory.Where(s => s.Model == "ivshmem-plain" && !s.HasServer).ToList();
        var chosen = plain.FirstOrDefault(s => s.Name == "looking-glass") ?? (plain.Count == 1 ? plain[0] : null);
        if (chosen is null)
        {
            throw Refuse(plain.Count == 0
                ? "the domain XML has no <shmem name='looking-glass'><model type='ivshmem-plain'/>…</shmem> for the client to read"
                : $"the domain XML has several ivshmem-plain <shmem> devices ({string.Join(", ", plain.Select(s => s.Name))}) and none is named looking-glass");
        }
        // libvirt refuses a name with '/' itself; "." and ".." would name /dev/shm or /dev.
        return chosen.Name.Contains('/', StringComparison.Ordinal) || chosen.Name is "." or ".." or ""
            ? throw Refuse($"<shmem name='{chosen.Name}'> is not a file name")
            : chosen;
    }

    private static PlanException Refuse(string message) => new(KindName, message);

    internal static string Octal(uint mode) => Convert.ToString(mode, 8).PadLeft(4, '0');
}
