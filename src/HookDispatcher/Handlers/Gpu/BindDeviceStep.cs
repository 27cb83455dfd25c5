using HookDispatcher.Engine;
using HookDispatcher.Host;
using HookDispatcher.Rules;
using HookDispatcher.Values;

namespace HookDispatcher.Handlers.Gpu;

/// <summary>
/// Moves one PCI function from its host driver to <c>driver</c> (vfio-pci): unbind, driver_override, bind, verify.
/// One step per function, so the journal and a rollback are per function. The handler orders them .1… before .0:
/// a GPU's HDMI audio function is driven by snd_hda_intel, which talks to the GPU driver (audio component, ELD,
/// runtime power) and expects the GPU to outlive it, so audio leaves the host first; on release the reverse order
/// brings the GPU back first, and snd_hda_intel then probes a codec whose GPU is already up.
/// </summary>
/// <param name="unloadedWith">The handover module whose unloading takes the function off its host driver first, if any.</param>
/// <param name="recover">What release does when the function will not go back to its host driver.</param>
internal sealed class BindDeviceStep(GpuDevice device, string driver, GpuOptions options, IHostFs planFs, string? unloadedWith = null, GpuRecovery recover = GpuRecovery.None) : Step
{
    public const string Action = "bind";

    public GpuDevice Device { get; } = device;

    /// <summary>The single-GPU handover module whose unload takes the function off its driver; null when none does.</summary>
    public string? UnloadedModule => unloadedWith;

    public override string Id => $"gpu.bind.{Device.Address}";

    public override string Kind => GpuRecords.Bind;

    public override string Summary => $"bind {Device.Address} ({PciSysfs.ClassName(Device.Class)}, IOMMU group {Device.Group}) to {driver}";

    public override IReadOnlyList<string> Actions
    {
        get
        {
            var address = Device.Address;
            var actions = new List<string>();
            if (Device.Driver == driver)
            {
                actions.Add($"already on {driver}: nothing to change");
                return actions;
            }
            if (!PciSysfs.DriverLoaded(planFs, driver))
            {
                actions.Add($"run {KernelModules.Modprobe} {driver} ({PciSysfs.Drivers}/{driver} is missing)");
            }
            if (Device.Driver is { } current)
            {
                actions.Add(unloadedWith is null
                    ? $"write {address} to {PciSysfs.Unbind(current)}"
                    : $"nothing to unbind: unloading {unloadedWith} takes it off {current}");
            }
            actions.Add($"write {driver} to {PciSysfs.DriverOverride(address)}");
            actions.Add($"write {address} to {PciSysfs.Bind(driver)}");
            actions.Add($"wait ≤ {options.BindTimeout.TotalSeconds:0.#} s until {PciSysfs.Device(address)}/driver -> {driver}" +
                        (IsVfio(driver) ? $" and /dev/vfio/{Device.Group} exists" : ""));
            actions.Add($"at release: write {address} to {PciSysfs.Unbind(driver)}, write \"\\n\" to {PciSysfs.DriverOverride(address)}, " +
                        (unloadedWith is not null ? $"and loading {unloadedWith} again binds it to {Device.Driver}"
                            : Device.Driver is { } host ? $"write {address} to {PciSysfs.Bind(host)}"
                            : $"write {address} to {PciSysfs.DriversProbe}"));
            if (recover == GpuRecovery.RemoveRescan && unloadedWith is null && Device.Driver is { } back)
            {
                actions.Add($"at release, if it does not go back to {back}: write 1 to {PciSysfs.Remove(address)}, 1 to {PciSysfs.BusRescan(address)} " +
                            $"(or {PciSysfs.Rescan}), wait ≤ {options.BindTimeout.TotalSeconds:0.#} s for it to come back and bind it to {back}");
            }
            return actions;
        }
    }

    public override void Apply(StepScope scope)
    {
        var fs = scope.Context.Fs;
        var address = Device.Address;
        var current = PciSysfs.Driver(fs, address);
        // The ledger's check and the intent are one critical section: two domains cannot both find it free.
        scope.Claim(context => HeldElsewhere(context, address) is { } holder
            ? throw new InvalidOperationException($"{address} is held by another running domain, {holder.Domain} (state record {holder.Record.Id})")
            : new GpuBindData
            {
                Address = address.ToString(),
                Group = Device.Group,
                Driver = driver,
                // A single-GPU handover may already have unloaded the host driver: the planned one is then the truth.
                HostDriver = current ?? Device.Driver,
                Override = PciSysfs.Override(fs, address),
                RemoveRescan = recover == GpuRecovery.RemoveRescan,
            });
        if (current != driver)
        {
            if (!PciSysfs.DriverLoaded(fs, driver))
            {
                options.Modules.Load(driver);
                Expect(PciSysfs.WaitFor(() => PciSysfs.DriverLoaded(fs, driver), options.BindTimeout),
                    $"{PciSysfs.Drivers}/{driver} did not appear after loading the module");
            }
            if (current is not null)
            {
                Unbind(scope.Context, options, address, current);
            }
            // driver_override alone does not unbind; it makes the next probe pick our driver and no other.
            fs.WriteText(PciSysfs.DriverOverride(address), driver);
            DriverWrite(scope.Context, options, PciSysfs.Bind(driver), address, $"binding {address} to {driver}");
            Expect(PciSysfs.WaitFor(() => PciSysfs.Driver(fs, address) == driver, options.BindTimeout),
                $"{address} is on {PciSysfs.Driver(fs, address) ?? "no driver"} after binding it to {driver}");
        }
        if (IsVfio(driver))
        {
            var node = $"/dev/vfio/{Device.Group}";
            Expect(PciSysfs.WaitFor(() => fs.Exists(node), options.BindTimeout),
                $"{address} is on {driver} but {fs.Resolve(node)} did not appear within {options.BindTimeout.TotalSeconds:0.#} s");
        }
        scope.Done();
    }

    private static (string Domain, StepRecord Record)? HeldElsewhere(ExecContext context, PciAddress address) =>
        context.Ledger.Holders(GpuRecords.Bind, r => r.As<GpuBindData>().Address == address.ToString(), exceptDomain: context.Domain)
            is [var first, ..] ? first : null;

    /// <summary>
    /// Gives the function back: off <c>driver</c>, driver_override as it was, onto the recorded host driver (or
    /// whatever the kernel picks when it had none). Safe for an intent whose change never happened: each write is
    /// made only when the function is not already where it should be.
    /// </summary>
    public static void Undo(StepRecord record, ExecContext context, GpuOptions options)
    {
        var fs = context.Fs;
        var data = record.As<GpuBindData>();
        var address = data.PciAddress(record);
        if (!fs.Exists(PciSysfs.Device(address)))
        {
            context.Log.Warning("{Address:l} is gone (hot-unplugged?); nothing to give back", address.ToString());
            return;
        }
        var driver = data.Driver;
        var host = data.HostDriver;
        var current = PciSysfs.Driver(fs, address);
        if (current == driver && host != driver)
        {
            Unbind(context, options, address, driver);
            current = null;
        }
        var wanted = data.Override;
        if (PciSysfs.Override(fs, address) != wanted)
        {
            // An empty line clears driver_override; the kernel refuses a zero-length write.
            fs.WriteText(PciSysfs.DriverOverride(address), wanted ?? "\n");
        }
        if (current is not null)
        {
            if (current != host)
            {
                context.Log.Warning("{Address:l} is on {Current:l}, not {Driver:l}: left as it is", address.ToString(), current, host ?? "no driver");
            }
            return;
        }
        if (host is not null && !PciSysfs.DriverLoaded(fs, host))
        {
            // Single-GPU handover unloaded it; reloading the module (undone next) probes the function.
            context.Log.Information("{Driver:l} is not loaded; {Address:l} is bound when its module is loaded again", host, address.ToString());
            return;
        }
        if (host is null)
        {
            DriverWrite(context, options, PciSysfs.DriversProbe, address, $"probing {address}");
            return;
        }
        try
        {
            BindBack(context, options, address, host);
        }
        catch (Exception e) when (data.RemoveRescan && e is InvalidOperationException or HostIoException)
        {
            Recover(context, options, address, host, wanted, e.Message);
        }
    }

    private static void BindBack(ExecContext context, GpuOptions options, PciAddress address, string host)
    {
        DriverWrite(context, options, PciSysfs.Bind(host), address, $"binding {address} back to {host}");
        if (!PciSysfs.WaitFor(() => PciSysfs.Driver(context.Fs, address) == host, options.BindTimeout))
        {
            throw new InvalidOperationException($"{address} is on {PciSysfs.Driver(context.Fs, address) ?? "no driver"} after binding it back to {host}");
        }
    }

    /// <summary>
    /// <c>gpu.recover: "removeRescan"</c>, what users do for a card that will not take its host driver again after a
    /// VM (AMD's reset bug, "Unknown PCI header type '127'"): remove the function, rescan its own bus (which only
    /// re-discovers functions removed from that part of the tree: this one, or another of the domain's), and bind
    /// the new device to its recorded driver if the kernel's probe did not. Only this function is removed; each
    /// write and wait is bounded, and a failure names what was tried.
    /// </summary>
    private static void Recover(ExecContext context, GpuOptions options, PciAddress address, string host, string? wantedOverride, string why)
    {
        var fs = context.Fs;
        var rescan = fs.Exists(PciSysfs.BusRescan(address)) ? PciSysfs.BusRescan(address) : PciSysfs.Rescan;
        context.Log.Warning("{Why:l}; recovering {Address:l} (gpu.recover removeRescan): removing it and rescanning through {Rescan:l}",
            why, address.ToString(), rescan);
        options.DriverWrites.Write(fs, PciSysfs.Remove(address), "1", options.BindTimeout);
        Expect(PciSysfs.WaitFor(() => !fs.Exists(PciSysfs.Device(address)), options.BindTimeout),
            $"{address} is still there {options.BindTimeout.TotalSeconds:0.#} s after writing 1 to {PciSysfs.Remove(address)} (recovering it after: {why})");
        options.DriverWrites.Write(fs, rescan, "1", options.BindTimeout);
        Expect(PciSysfs.WaitFor(() => fs.Exists(PciSysfs.Device(address)), options.BindTimeout),
            $"{address} did not come back within {options.BindTimeout.TotalSeconds:0.#} s of the rescan ({rescan}) after it was removed; rescan by hand (echo 1 > {PciSysfs.Rescan}) or reboot (recovering it after: {why})");
        // A new device: driver_override is empty again, and the kernel has probed it against its own id table.
        if (wantedOverride is not null && PciSysfs.Override(fs, address) != wantedOverride)
        {
            fs.WriteText(PciSysfs.DriverOverride(address), wantedOverride);
        }
        if (!PciSysfs.WaitFor(() => PciSysfs.Driver(fs, address) is not null, options.BindTimeout) || PciSysfs.Driver(fs, address) != host)
        {
            if (PciSysfs.Driver(fs, address) is { } other)
            {
                throw new InvalidOperationException($"{address} came back from the rescan on {other}, not {host} (recovering it after: {why})");
            }
            BindBack(context, options, address, host);
        }
        context.Log.Information("{Address:l} is back on {Driver:l} after remove and rescan", address.ToString(), host);
    }

    public static IReadOnlyList<string> DescribeUndo(StepRecord record)
    {
        var data = record.As<GpuBindData>();
        var (address, host) = (data.Address, data.HostDriver);
        return
        [
            $"if on {data.Driver}: write {address} to {PciSysfs.Unbind(data.Driver)}",
            $"write {data.Override ?? "\"\\n\""} to {PciSysfs.Devices}/{address}/driver_override",
            host is not null ? $"write {address} to {PciSysfs.Bind(host)} and check the driver link" : $"write {address} to {PciSysfs.DriversProbe}",
            .. data.RemoveRescan && host is not null
                ? [$"if it does not go back to {host}: remove {address}, rescan its bus and bind it to {host}"]
                : Array.Empty<string>(),
        ];
    }

    /// <summary>
    /// Takes the function off <paramref name="from"/>, bounded: a remove() that waits for the driver's users (nvidia
    /// for every open /dev/nvidia*, vfio-pci for QEMU) fails the step naming the processes that hold a GPU's files.
    /// </summary>
    private static void Unbind(ExecContext context, GpuOptions options, PciAddress address, string from)
    {
        try
        {
            options.DriverWrites.Write(context.Fs, PciSysfs.Unbind(from), address.ToString(), options.BindTimeout);
        }
        catch (TimeoutException)
        {
            var users = ProcScan.GpuUsers(context.Fs);
            throw new InvalidOperationException(FormattableString.Invariant(
                $"unbinding {address} from {from} did not return within {options.BindTimeout.TotalSeconds:0.#} s (the driver waits for its users to let go): ") +
                (users.Count > 0
                    ? $"{ProcScan.Describe(users)}; stop them and start the VM again"
                    : "no process holds /dev/nvidia* or /dev/dri/*; see the kernel log (journalctl -k)"));
        }
    }

    /// <summary>A bind or probe write: the driver's probe() runs in it, bounded like an unbind.</summary>
    private static void DriverWrite(ExecContext context, GpuOptions options, string path, PciAddress address, string what)
    {
        try
        {
            options.DriverWrites.Write(context.Fs, path, address.ToString(), options.BindTimeout);
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException(FormattableString.Invariant(
                $"{what} did not return within {options.BindTimeout.TotalSeconds:0.#} s ({path}); see the kernel log (journalctl -k)"));
        }
    }

    private static bool IsVfio(string driver) => driver == "vfio-pci";

    private static void Expect(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }
}
