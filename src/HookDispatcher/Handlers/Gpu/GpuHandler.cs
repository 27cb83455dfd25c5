using HookDispatcher.Engine;
using HookDispatcher.Handlers.Units;
using HookDispatcher.Host;

namespace HookDispatcher.Handlers.Gpu;

/// <summary>
/// Binds the rule's PCI functions (grown to their IOMMU groups) to vfio-pci for the VM's lifetime, and for a
/// single-GPU host first frees the card: units stopped, consoles and framebuffer unbound, modules unloaded, in
/// this order, each its own journalled step, undone in reverse at release.
/// </summary>
internal sealed class GpuHandler(ISystemd systemd, GpuOptions options) : IHandler
{
    public const string KindName = "gpu";

    public string Kind => KindName;

    public IEnumerable<Step> Plan(PlanContext context)
    {
        var rule = context.Rules.Gpu;
        if (rule is null || rule.At != context.Stage)
        {
            return [];
        }
        // A failed sysfs read here is reported by the Planner as a host failure (exit 1), like every handler's.
        var selection = GpuSelection.Resolve(rule, context.Domain, context.Fs);
        var steps = new List<Step>();
        if (rule.SingleGpu is { } single)
        {
            if (single.StopUnits.Count > 0)
            {
                steps.Add(new StopUnitsStep(systemd, "gpu.stopUnits", single.StopUnits));
            }
            steps.Add(new GpuUsersStep(options.UnloadTimeout));
            if (single.UnbindVtConsoles)
            {
                steps.Add(new VtConsolesStep(context.Fs));
            }
            if (single.UnbindEfiFramebuffer)
            {
                steps.Add(new FramebufferStep(context.Fs));
            }
            steps.AddRange(single.UnloadModules.Select(m => new UnloadModuleStep(m, options)));
        }
        if (selection.LeftToLibvirt.Count > 0)
        {
            steps.Add(new LeftToLibvirtStep(selection.LeftToLibvirt));
        }
        var unloaded = rule.SingleGpu?.UnloadModules.Select(KernelModules.Normalize).ToHashSet(StringComparer.Ordinal) ?? [];
        var binds = selection.Devices.Select(d =>
            new BindDeviceStep(d, rule.Driver, options, context.Fs, ModuleOf(context.Fs, d.Driver) is { } m && unloaded.Contains(m) ? m : null, rule.Recover)).ToList();
        var resets = new List<Step>();
        if (rule.ResetMethod is { } methods)
        {
            // Only the display functions: vendor-reset's device_specific exists for the GPU, not its HDMI audio.
            var displays = selection.Devices.Where(d => PciSysfs.IsDisplay(d.Class)).ToList();
            if (displays.Count == 0)
            {
                throw new PlanException(KindName, $"resetMethod \"{methods}\": none of {string.Join(", ", selection.Devices.Select(d => d.Address))} is a display controller (class 0x03)");
            }
            resets.AddRange(displays.Select(d => ResetMethodStep.Plan(d, methods, context.Fs)));
        }
        // Functions whose driver stays loaded (the GPU's HDMI audio on snd_hda_intel) leave the host before the
        // modules are unloaded, so that at release (reverse order) they come back only after the modules are loaded
        // again and have bound the GPU: the audio codec talks to the GPU driver (audio component, ELD) when it probes.
        var unloadAt = steps.FindIndex(s => s is UnloadModuleStep);
        steps.InsertRange(unloadAt < 0 ? steps.Count : unloadAt, binds.Where(b => b.UnloadedModule is null));
        steps.AddRange(binds.Where(b => b.UnloadedModule is not null));
        // Before every bind: in force when vfio-pci first resets the function, put back once it is home (undo runs in reverse).
        if (resets.Count > 0)
        {
            steps.InsertRange(steps.FindIndex(s => s is BindDeviceStep), resets);
        }
        return steps;
    }

    /// <summary>The module a PCI driver lives in (its <c>module</c> link); null when built in or unbound.</summary>
    private static string? ModuleOf(IHostFs fs, string? driver) =>
        driver is not null && fs.ReadLink($"{PciSysfs.Drivers}/{driver}/module") is { } target ? Path.GetFileName(target) : null;

    public void Undo(StepRecord record, ExecContext context)
    {
        switch (record.Data.GetValueOrDefault("action"))
        {
            case BindDeviceStep.Action:
                BindDeviceStep.Undo(record, context, options);
                break;
            case UnloadModuleStep.Action:
                UnloadModuleStep.Undo(record, context, options);
                break;
            case ResetMethodStep.Action:
                ResetMethodStep.Undo(record, context);
                break;
            case FramebufferStep.Action:
                FramebufferStep.Undo(record, context);
                break;
            case VtConsolesStep.Action:
                VtConsolesStep.Undo(record, context, options.Console);
                break;
            default:
                // An intent journalled without data, or the note on managed hostdevs: nothing was changed.
                break;
        }
    }

    /// <summary>A function QEMU holds must still be on the driver it was bound to; that is not repaired under a running VM.</summary>
    public IReadOnlyList<Finding> Reconcile(StepRecord record, ExecContext context)
    {
        if (record.Data.GetValueOrDefault("action") == ResetMethodStep.Action)
        {
            return [ResetMethodStep.Reconcile(record, context)];
        }
        if (record.Data.GetValueOrDefault("action") != BindDeviceStep.Action ||
            !Values.PciAddress.TryParse(record.Data.GetValueOrDefault("address"), out var address))
        {
            return [];
        }
        var driver = record.Get("driver");
        var current = PciSysfs.Driver(context.Fs, address);
        return current == driver
            ? [Finding.Ok($"{address} is on {driver}")]
            : [Finding.Problem($"{address} is on {current ?? "no driver"}, not {driver} as recorded: left alone (the VM may have lost the device)")];
    }

    public IReadOnlyList<string> DescribeHost(StepRecord record, IHostFs fs) =>
        record.Data.GetValueOrDefault("action") == BindDeviceStep.Action && Values.PciAddress.TryParse(record.Data.GetValueOrDefault("address"), out var address)
            ? [$"{PciSysfs.Device(address)}/driver is {PciSysfs.Driver(fs, address) ?? "unbound"} (recorded host driver: {record.Data.GetValueOrDefault("hostDriver", "none")})"]
            : [];

    public IReadOnlyList<string> DescribeUndo(StepRecord record) => record.Data.GetValueOrDefault("action") switch
    {
        BindDeviceStep.Action => BindDeviceStep.DescribeUndo(record),
        UnloadModuleStep.Action => UnloadModuleStep.DescribeUndo(record),
        ResetMethodStep.Action => ResetMethodStep.DescribeUndo(record),
        FramebufferStep.Action => FramebufferStep.DescribeUndo(record),
        VtConsolesStep.Action => VtConsolesStep.DescribeUndo(record),
        _ => ["nothing to undo"],
    };
}
