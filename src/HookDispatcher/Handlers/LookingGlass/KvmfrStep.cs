using HookDispatcher.Engine;
using HookDispatcher.Handlers.Gpu;
using HookDispatcher.Host;
using static System.FormattableString;

namespace HookDispatcher.Handlers.LookingGlass;

/// <summary>
/// Makes <c>/dev/kvmfr0</c> at least as large as the frames need and gives it to the client's user before QEMU maps
/// it: loads kvmfr with <c>static_size_mb</c> when it is not loaded, keeps a module loaded large enough, loads a
/// smaller one again when nothing holds it (and refuses when something does), then waits for the device and sets
/// its owner, group and mode. Several domains may use it at once; they share it as the services section shares a
/// unit: what the first holder found (the device's owner and mode, whether the hook loaded the module) is carried
/// over to each later one, and only the last one to release puts it back.
/// </summary>
/// <remarks>
/// Record data: <c>path</c>; <c>device</c> "kvmfr"; <c>sizeMiB</c> needed; <c>loadedHere</c> "true" when the hook
/// loaded the module (release unloads it); <c>reloaded</c> "true" when the user's module was unloaded and loaded
/// again larger (release leaves it loaded); <c>moduleSizes</c> the static_size_mb in force while held;
/// <c>userSizes</c> what the user's module had ("unknown" when it could not be read); <c>found</c> "uid:gid:mode" of
/// the device before the first holder changed it. The decisions are journalled under the host lock (two claims:
/// the module, then the owner found); modprobe and the wait for the device run outside it.
/// </remarks>
internal sealed class KvmfrStep(
    IKernelModules modules, OwnedFiles files, FileOwner owner, string ownerNames, ulong sizeMiB, string from, TimeSpan deviceTimeout, IHostFs planFs) : Step
{
    public const string StepId = "lookingGlass.kvmfr";


    public override string Id => StepId;

    public override string Kind => KvmfrRecord.KindName;

    public override string Summary => Invariant($"kvmfr device {Kvmfr.Device} for {ownerNames}, {sizeMiB} MiB");

    public override IReadOnlyList<string> Actions
    {
        get
        {
            var need = Invariant($"{sizeMiB} MiB for {from}");
            var actions = new List<string>();
            if (!modules.IsLoaded(Kvmfr.Module))
            {
                actions.Add($"run {Modprobe([sizeMiB])} (kvmfr is not loaded; {need}); unloaded again at release");
            }
            else if (Kvmfr.SizesMiB(planFs) is var sizes && sizes is [var first, ..] && first >= sizeMiB)
            {
                actions.Add($"kvmfr is loaded with {Kvmfr.Describe(sizes)} (enough for {need}): kept, and left loaded at release");
            }
            else
            {
                var holders = Kvmfr.Holders(planFs);
                actions.Add($"kvmfr is loaded with {Kvmfr.Describe(sizes)}, too little for {need}: if no process holds {Kvmfr.DevicePrefix}*, " +
                            $"delete_module(\"{Kvmfr.Module}\", O_NONBLOCK) and run {Modprobe([sizeMiB, .. (sizes ?? []).Skip(1)])}; left loaded at release" +
                            (holders.Count > 0 ? $" (now {ProcScan.Describe(holders)}: prepare would refuse)" : ""));
            }
            actions.Add(Invariant($"wait ≤ {deviceTimeout.TotalSeconds:0.#} s for {Kvmfr.Device} (a domain already using kvmfr shares it, refused if it is smaller)"));
            actions.Add(Invariant($"give {Kvmfr.Device} owner {ownerNames} ({owner.Uid}:{owner.Gid}), mode {LookingGlassHandler.Octal(owner.Mode)}, after journalling the owner and mode found"));
            actions.Add("at release, unless another running domain still uses it: give it back the owner and mode found, and unload kvmfr if it was loaded here");
            return actions;
        }
    }

    public override void Apply(StepScope scope)
    {
        var fs = scope.Context.Fs;
        IReadOnlyList<ulong>? load = null;
        var unloadFirst = false;
        // A domain that is giving kvmfr back is about to unload it: wait for it rather than share the module.
        scope.ClaimAfterReleases(_ => true, () => { }, context =>
        {
            var others = Others(context);
            if (others.Count > 0)
            {
                return Share(context, others);
            }
            if (!modules.IsLoaded(Kvmfr.Module))
            {
                if (fs.Exists(Kvmfr.Device))
                {
                    throw new InvalidOperationException(StaleFile);
                }
                load = [sizeMiB];
                return Data(loadedHere: true, reloaded: false, load, []);
            }
            var sizes = Kvmfr.SizesMiB(fs);
            if (sizes is [var first, ..] && first >= sizeMiB)
            {
                return Data(loadedHere: false, reloaded: false, sizes, sizes);
            }
            if (Kvmfr.Holders(fs) is { Count: > 0 } holders)
            {
                throw new InvalidOperationException(Invariant(
                    $"kvmfr is loaded with {Kvmfr.Describe(sizes)} but Looking Glass needs {sizeMiB} MiB for {from}, and {ProcScan.Describe(holders)}: ") +
                    $"it cannot be loaded again while held; close it and start the VM again, or load kvmfr with {Kvmfr.SizeArgument([sizeMiB])} at boot (/etc/modprobe.d/kvmfr.conf)");
            }
            unloadFirst = true;
            load = [sizeMiB, .. (sizes ?? []).Skip(1)];
            return Data(loadedHere: false, reloaded: true, load, sizes);
        });
        if (load is not null)
        {
            if (unloadFirst)
            {
                Unload(fs, $"to load it again with {Kvmfr.SizeArgument(load)}");
            }
            modules.Load(Kvmfr.Module, Kvmfr.SizeArgument(load));
        }
        if (!Poll.Until(() => fs.Exists(Kvmfr.Device), deviceTimeout, TimeSpan.FromMilliseconds(20)))
        {
            throw new InvalidOperationException(Invariant($"{fs.Resolve(Kvmfr.Device)} did not appear within {deviceTimeout.TotalSeconds:0.#} s") +
                (load is null ? "" : $" of {Modprobe(load)}") + "; see the kernel log (journalctl -k)");
        }
        // The owner found is the first holder's, so that the last one to release gives back what was there before any.
        scope.Claim(context =>
        {
            var data = scope.Record.As<KvmfrData>();
            data.Found = Others(context).Select(h => h.Record.As<KvmfrData>().Found).FirstOrDefault(f => f is not null) ?? DeviceOwner(files);
            return data;
        });
        files.SetOwner(Kvmfr.Device, owner, device: true);
        scope.Done();
    }

    /// <summary>
    /// Puts back what the record holds, unless another domain still uses kvmfr: the owner and mode found; then
    /// unloads the module if the hook loaded it (one still held open stays loaded, logged, so a Looking Glass client
    /// left running never keeps the VM from its next start), or loads the user's module again as it was if a
    /// reload stopped half-way. Safe for an intent whose change never happened.
    /// </summary>
    public static void Undo(StepRecord record, ExecContext context, IKernelModules modules, OwnedFiles files)
    {
        var fs = context.Fs;
        // Decided under the host lock and journalled there: of two domains released at once, the second sees that
        // the first let go, so one of them always puts the device and the module back.
        string? stillUsing = null;
        var mine = context.LetGo(record, ledger =>
        {
            stillUsing = Others(ledger, context.Domain) is [.., var last] ? last.Domain : null;
            return stillUsing is null;
        });
        if (!mine)
        {
            context.Log.Information("{Device:l} and the kvmfr module stay as they are: domain {Other:l} still uses them and puts them back when it is released", Kvmfr.Device, stillUsing);
            return;
        }
        var data = record.As<KvmfrData>();
        if (data.Found is { } found && fs.Exists(Kvmfr.Device))
        {
            try
            {
                files.SetOwner(Kvmfr.Device, found, device: true);
            }
            catch (HostIoException e) when (e.Operation == "use")
            {
                context.Log.Warning("{Device:l} is no longer kvmfr's device ({Reason:l}); its owner is not put back", Kvmfr.Device, e.Message);
            }
        }
        var loaded = modules.IsLoaded(Kvmfr.Module);
        if (data.LoadedHere && loaded)
        {
            try
            {
                modules.Unload(Kvmfr.Module);
            }
            catch (ModuleException e) when (e.Errno is Errno.EBUSY or Errno.EAGAIN)
            {
                var holders = Kvmfr.Holders(fs);
                context.Log.Warning("kvmfr stays loaded: {Reason:l} ({Holders:l}); 'modprobe -r kvmfr' once it is closed", e.Message,
                    holders.Count > 0 ? ProcScan.Describe(holders) : UnloadModuleStep.Users(fs, Kvmfr.Module));
            }
        }
        else if (data.Reloaded && !loaded)
        {
            modules.Load(Kvmfr.Module, data.UserSizes is { Count: > 0 } user ? [Kvmfr.SizeArgument(user)] : []);
        }
    }

    public static IReadOnlyList<string> DescribeUndo(StepRecord record)
    {
        var data = record.As<KvmfrData>();
        var lines = new List<string>();
        if (data.Found is { } found)
        {
            lines.Add($"give {Kvmfr.Device} back {found}, unless another running domain still uses it");
        }
        var inForce = Kvmfr.Format(data.ModuleSizes);
        lines.Add(data.LoadedHere
            ? $"delete_module(\"{Kvmfr.Module}\") (loaded by the hook), unless another running domain still uses it; held open, it stays loaded (logged)"
            : data.Reloaded
                ? $"leave kvmfr loaded with static_size_mb={inForce} (the user's module, loaded again at prepare in place of {Kvmfr.Describe(data.UserSizes)}); if it is not loaded, load it as it was"
                : $"leave kvmfr loaded (the user's module, kept with static_size_mb={inForce})");
        return lines;
    }

    public static IReadOnlyList<string> DescribeHost(IHostFs fs, IKernelModules modules, OwnedFiles files)
    {
        string device;
        try
        {
            device = files.Stat(Kvmfr.Device, device: true) is { } now ? $"{Kvmfr.Device}: {now}" : $"{Kvmfr.Device}: absent";
        }
        catch (HostIoException e)
        {
            device = $"{Kvmfr.Device}: {e.Message}";
        }
        return [device, modules.IsLoaded(Kvmfr.Module) ? $"kvmfr: loaded with {Kvmfr.Describe(Kvmfr.SizesMiB(fs))}" : "kvmfr: not loaded"];
    }

    /// <summary>Another running domain uses kvmfr already: its module is shared if large enough.</summary>
    private KvmfrData Share(ExecContext context, IReadOnlyList<(string Domain, StepRecord Record)> others)
    {
        var (domain, firstRecord) = others[0];
        var first = firstRecord.As<KvmfrData>();
        var inForce = first.ModuleSizes;
        if (inForce is not [var size, ..] || size < sizeMiB)
        {
            throw new InvalidOperationException(Invariant(
                $"kvmfr is loaded with {Kvmfr.Describe(inForce)} for domain {domain}, which still uses {Kvmfr.Device}, but Looking Glass needs {sizeMiB} MiB for {from}: ") +
                $"it cannot be loaded again under a running VM; release {domain} first, or load kvmfr with {Kvmfr.SizeArgument([sizeMiB])} before either starts");
        }
        context.Log.Warning("Domain {Other:l} uses {Device:l} too: both VMs' Looking Glass frames go through the same shared memory", domain, Kvmfr.Device);
        return Data(others.Any(o => o.Record.As<KvmfrData>().LoadedHere), reloaded: false, inForce, first.UserSizes);
    }

    private KvmfrData Data(bool loadedHere, bool reloaded, IReadOnlyList<ulong> inForce, IReadOnlyList<ulong>? userSizes) => new()
    {
        Path = Kvmfr.Device,
        SizeMiB = sizeMiB,
        LoadedHere = loadedHere,
        Reloaded = reloaded,
        ModuleSizes = [.. inForce],
        UserSizes = userSizes is null ? null : [.. userSizes],
    };

    private void Unload(IHostFs fs, string why)
    {
        try
        {
            modules.Unload(Kvmfr.Module);
        }
        catch (ModuleException e) when (e.Errno is Errno.EBUSY or Errno.EAGAIN)
        {
            // No process had it open a moment ago; a mapping without an open file (a client that closed it) still counts.
            throw new ModuleException(Kvmfr.Module, $"{e.Message} {why} ({UnloadModuleStep.Users(fs, Kvmfr.Module)}): close what maps {Kvmfr.DevicePrefix}* and start the VM again", e.Errno);
        }
    }

    private static FileOwner DeviceOwner(OwnedFiles files)
    {
        try
        {
            return files.Stat(Kvmfr.Device, device: true) ?? throw new InvalidOperationException($"{Kvmfr.Device} went away right after it appeared");
        }
        catch (HostIoException e) when (e.Operation == "use")
        {
            throw new InvalidOperationException(StaleFile, e);
        }
    }

    private static string StaleFile =>
        $"{Kvmfr.Device} is there but is not kvmfr's device (QEMU makes a plain file there when a VM starts before the module is loaded): " +
        $"with no VM using it, remove it (rm {Kvmfr.Device}) and start the VM again";

    private static IReadOnlyList<(string Domain, StepRecord Record)> Others(ExecContext context) => Others(context.Ledger, context.Domain);

    private static IReadOnlyList<(string Domain, StepRecord Record)> Others(Ledger ledger, string domain) =>
        ledger.Holders(KvmfrRecord.KindName, exceptDomain: domain);

    private static string Modprobe(IReadOnlyList<ulong> sizes) => KernelModules.CommandLine(Kvmfr.Module, [Kvmfr.SizeArgument(sizes)]);
}
