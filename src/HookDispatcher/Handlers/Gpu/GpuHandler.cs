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

    public IReadOnlyList<IRecordKind> RecordKinds { get; } = GpuRecords.All(options);

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
}
