using System.Diagnostics;
using HookDispatcher.Engine;
using HookDispatcher.Host;
using HookDispatcher.Values;

namespace HookDispatcher.Handlers.Gpu;

/// <summary>
/// Unloads one host GPU module (single-GPU handover: nvidia_drm before nvidia, as the rule lists them) and loads it
/// again at release. The PCI functions its drivers drove are recorded, so release can check they came back.
/// </summary>
internal sealed class UnloadModuleStep(string module, GpuOptions options) : Step
{
    public const string Action = "unload";

    public override string Id => $"gpu.unload.{module}";

    public override string Kind => GpuRecords.Unload;

    public override string Summary => $"unload module {module}";

    public override IReadOnlyList<string> Actions => options.Modules.IsLoaded(module)
        ? [$"delete_module(\"{KernelModules.Normalize(module)}\", O_NONBLOCK), retried ≤ {options.UnloadTimeout.TotalSeconds:0.#} s while busy; at release {KernelModules.Modprobe} {module}"]
        : [$"{module} is not loaded: nothing to unload (and nothing to load at release)"];

    public override void Apply(StepScope scope)
    {
        var fs = scope.Context.Fs;
        var loaded = options.Modules.IsLoaded(module);
        scope.Intent(new GpuUnloadData { Module = module, WasLoaded = loaded, Devices = loaded ? [.. DrivenDevices(fs, module)] : [] });
        if (loaded)
        {
            Unload(fs);
        }
        scope.Done();
    }

    /// <summary>Loads the module again if this step unloaded it, then waits for the functions it drove to be bound.</summary>
    public static void Undo(StepRecord record, ExecContext context, GpuOptions options)
    {
        var (module, wasLoaded, devices) = record.As<GpuUnloadData>();
        if (!wasLoaded)
        {
            return;
        }
        if (!options.Modules.IsLoaded(module))
        {
            options.Modules.Load(module);
        }
        foreach (var text in devices)
        {
            if (PciAddress.TryParse(text, out var address) && context.Fs.Exists(PciSysfs.Device(address)) &&
                !PciSysfs.WaitFor(() => PciSysfs.Driver(context.Fs, address) is not null, options.BindTimeout))
            {
                // Loading probes unbound devices; a device the load raced with is probed explicitly.
                context.Fs.WriteText(PciSysfs.DriversProbe, text);
            }
        }
    }

    public static IReadOnlyList<string> DescribeUndo(StepRecord record) => record.As<GpuUnloadData>() is var data && data.WasLoaded
        ? [$"{KernelModules.Modprobe} {data.Module}, then wait for {(data.Devices.Count > 0 ? string.Join(',', data.Devices) : "its devices")} to be bound"]
        : [$"nothing: {data.Module} was not loaded"];

    private void Unload(IHostFs fs)
    {
        var clock = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            try
            {
                options.Modules.Unload(module);
                return;
            }
            catch (ModuleException e) when (e.Errno is Errno.EBUSY or Errno.EAGAIN && clock.Elapsed < options.UnloadTimeout)
            {
                // Users of the module (a closing display server, udev) often let go within moments.
                Thread.Sleep(delay);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMilliseconds(250).Ticks));
            }
            catch (ModuleException e) when (e.Errno is Errno.EBUSY or Errno.EAGAIN)
            {
                throw new ModuleException(module, $"{e.Message} after {clock.Elapsed.TotalSeconds:0.#} s: {Users(fs, module)}", e.Errno);
            }
        }
    }

    /// <summary>"refcnt 2, holders: nvidia_drm, nvidia_modeset" — what keeps a module in use.</summary>
    internal static string Users(IHostFs fs, string module)
    {
        var dir = $"/sys/module/{KernelModules.Normalize(module)}";
        var refcnt = fs.Exists($"{dir}/refcnt") ? fs.ReadText($"{dir}/refcnt").Trim() : "?";
        var holders = fs.Exists($"{dir}/holders") ? fs.ListDirectory($"{dir}/holders") : [];
        return $"refcnt {refcnt}, holders: {(holders.Count == 0 ? "none" : string.Join(", ", holders))}";
    }

    /// <summary>PCI functions bound to the module's drivers (/sys/module/M/drivers/pci:NAME).</summary>
    private static IEnumerable<string> DrivenDevices(IHostFs fs, string module)
    {
        var dir = $"/sys/module/{KernelModules.Normalize(module)}/drivers";
        if (!fs.Exists(dir))
        {
            return [];
        }
        return fs.ListDirectory(dir)
            .Where(d => d.StartsWith("pci:", StringComparison.Ordinal) && fs.Exists($"{PciSysfs.Drivers}/{d[4..]}"))
            .SelectMany(d => fs.ListDirectory($"{PciSysfs.Drivers}/{d[4..]}"))
            .Where(n => PciAddress.TryParse(n, out _));
    }
}
