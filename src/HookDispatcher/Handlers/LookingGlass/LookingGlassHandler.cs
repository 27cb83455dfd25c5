using HookDispatcher.Domain;
using HookDispatcher.Engine;
using HookDispatcher.Host;
using HookDispatcher.Rules;

namespace HookDispatcher.Handlers.LookingGlass;

/// <summary>
/// Looking Glass's shared memory, made before QEMU starts and put back at release: with device "shm"
/// (looking-glass.io, "IVSHMEM with standard shared memory") the <c>/dev/shm/&lt;name&gt;</c> file of the domain's
/// <c>&lt;shmem&gt;</c>; with "kvmfr" ("IVSHMEM with the KVMFR module") the module's <c>/dev/kvmfr0</c>, loaded as
/// large as needed. Either is owned by the desktop user who runs the client (group kvm, mode 0660) and as large as
/// the frames need.
/// </summary>
/// <param name="deviceTimeout">Longest wait for /dev/kvmfr0 once the module is loaded (udev makes the node).</param>
internal sealed class LookingGlassHandler(Func<IHostFs, OwnedFiles> files, IKernelModules modules, TimeSpan deviceTimeout) : IHandler
{
    public const string KindName = "lookingGlass";

    public string Kind => KindName;

    public IReadOnlyList<IRecordKind> RecordKinds { get; } = [new KvmfrRecord(files, modules), new ShmFileRecord(files)];

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
        var (sizeMiB, from) = Need(rule);
        var accounts = new Accounts(context.Fs);
        var uid = accounts.Uid(rule.Owner) ?? throw Refuse($"owner \"{rule.Owner}\" is not a user in /etc/passwd");
        var gid = accounts.Gid(rule.Group) ?? throw Refuse($"group \"{rule.Group}\" is not a group in /etc/group");
        var owner = new FileOwner(uid, gid, rule.Mode);
        if (rule.Device == LookingGlassDevice.Kvmfr)
        {
            if (sizeMiB > RuleValues.KvmfrMaxSizeMiB)
            {
                throw Refuse(FormattableString.Invariant(
                    $"{from} needs {sizeMiB} MiB but kvmfr makes devices of at most {RuleValues.KvmfrMaxSizeMiB} MiB; lower width/height or hdr, or use \"shm\""));
            }
            KvmfrBackend(context.Domain, sizeMiB, from);
            return [new KvmfrStep(modules, files(context.Fs), owner, $"{rule.Owner}:{rule.Group}", sizeMiB, from, deviceTimeout, context.Fs)];
        }
        var shmem = Shmem(context.Domain, sizeMiB, from);
        return [new ShmFileStep(files(context.Fs), $"/dev/shm/{shmem.Name}", owner, $"{rule.Owner}:{rule.Group}", (long)(sizeMiB << 20), from)];
    }

    /// <summary>The MiB the frames need and what says so ("2560×1440", "the rule's sizeMiB").</summary>
    public static (ulong SizeMiB, string From) Need(LookingGlassRule rule) => rule.SizeMiB is { } given
        ? (given, "the rule's sizeMiB")
        : (AutoSizeMiB(rule.Width, rule.Height, rule.Hdr), FormattableString.Invariant($"{rule.Width}×{rule.Height}{(rule.Hdr ? " HDR" : "")}"));

    /// <summary>
    /// The ivshmem-plain device Looking Glass maps (the one named looking-glass, else the only one), as large as
    /// the frames need when the XML gives its size; throws <see cref="PlanException"/> naming what to change.
    /// </summary>
    public static SharedMemoryDevice Shmem(DomainInfo domain, ulong sizeMiB, string from)
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
        if (chosen.Name.Contains('/', StringComparison.Ordinal) || chosen.Name is "." or ".." or "")
        {
            throw Refuse($"<shmem name='{chosen.Name}'> is not a file name");
        }
        if (chosen.SizeBytes is { } xmlSize && xmlSize != sizeMiB << 20)
        {
            throw Refuse(FormattableString.Invariant(
                $"<shmem name='{chosen.Name}'> has <size> {xmlSize >> 20} MiB but Looking Glass needs {sizeMiB} MiB for {from}: set <size unit='M'>{sizeMiB}</size> in the domain XML (or sizeMiB in the rule)"));
        }
        return chosen;
    }

    /// <summary>
    /// The memory-backend-file (or qemu:override property) that maps /dev/kvmfr0, null when the XML has none (doctor
    /// says so; QEMU may be given it otherwise); throws <see cref="PlanException"/> when its size is not the one
    /// needed, as kvmfr cannot map more than its device holds and the client needs all of it.
    /// </summary>
    public static QemuMemoryFile? KvmfrBackend(DomainInfo domain, ulong sizeMiB, string from)
    {
        var backend = domain.QemuMemoryFiles.FirstOrDefault(f => f.Path == Kvmfr.Device);
        return backend?.SizeBytes is { } bytes && bytes != sizeMiB << 20
            ? throw Refuse(FormattableString.Invariant(
                $"{backend.Where} maps {bytes >> 20} MiB of {Kvmfr.Device} but Looking Glass needs {sizeMiB} MiB for {from}: set its size to {sizeMiB << 20} ({sizeMiB}M) in the domain XML (or sizeMiB in the rule)"))
            : backend;
    }

    private static PlanException Refuse(string message) => new(KindName, message);

    internal static string Octal(uint mode) => Convert.ToString(mode, 8).PadLeft(4, '0');
}
