using HookDispatcher.Engine;
using HookDispatcher.Host;
using HookDispatcher.Values;

namespace HookDispatcher.Handlers.Gpu;

/// <summary>
/// Selects how the kernel resets one display function while the VM has it (<c>gpu.resetMethod</c>): AMD
/// Polaris/Vega/Navi cards need vendor-reset's <c>device_specific</c> method, because the bus reset the kernel would
/// pick leaves them unusable until the host reboots. vfio-pci resets the function when QEMU opens and closes it,
/// so the choice is made before the bind and undone (the list found put back) after the function is home again.
/// </summary>
internal sealed class ResetMethodStep(GpuDevice device, string methods, IReadOnlyList<string> found) : Step
{
    public const string Action = "resetMethod";

    public override string Id => $"gpu.resetMethod.{device.Address}";

    public override string Kind => GpuRecords.ResetMethod;

    public override string Summary => $"reset {device.Address} with {methods} while the VM has it";

    public override IReadOnlyList<string> Actions =>
    [
        $"write \"{methods}\" to {PciSysfs.ResetMethodFile(device.Address)} (now \"{string.Join(' ', found)}\")",
        $"at release: write \"{string.Join(' ', found)}\" back",
    ];

    /// <summary>
    /// Refuses, before anything changes, a method the function does not list (the kernel would answer EINVAL),
    /// naming what it does list; device_specific is listed only while a module provides it.
    /// </summary>
    public static ResetMethodStep Plan(GpuDevice device, string methods, IHostFs fs)
    {
        var available = PciSysfs.ResetMethods(fs, device.Address)
            ?? throw new PlanException(GpuHandler.KindName,
                $"resetMethod \"{methods}\": {device.Address} has no reset method to choose ({fs.Resolve(PciSysfs.ResetMethodFile(device.Address))} does not exist: the kernel knows no way to reset it, or is older than 5.15)");
        if (methods.Split(' ').FirstOrDefault(m => !available.Contains(m, StringComparer.Ordinal)) is { } missing)
        {
            throw new PlanException(GpuHandler.KindName,
                $"resetMethod \"{methods}\": {device.Address} offers only \"{string.Join(' ', available)}\" ({fs.Resolve(PciSysfs.ResetMethodFile(device.Address))}), not {missing}" +
                (missing == "device_specific" ? "; load the vendor-reset module first (modprobe vendor-reset, and list it in /etc/modules-load.d)" : ""));
        }
        return new ResetMethodStep(device, methods, available);
    }

    public override void Apply(StepScope scope)
    {
        var fs = scope.Context.Fs;
        var address = device.Address;
        var current = PciSysfs.ResetMethods(fs, address) is { } now ? string.Join(' ', now) : "";
        scope.Intent(new GpuResetMethodData { Address = address.ToString(), Original = current, Value = methods });
        if (current != methods)
        {
            fs.WriteText(PciSysfs.ResetMethodFile(address), methods);
        }
        scope.Done();
    }

    /// <summary>Puts the list found back (a function removed and rescanned meanwhile starts from the kernel's default).</summary>
    public static void Undo(StepRecord record, ExecContext context)
    {
        var fs = context.Fs;
        var data = record.As<GpuResetMethodData>();
        var address = data.PciAddress(record);
        if (PciSysfs.ResetMethods(fs, address) is not { } now)
        {
            context.Log.Warning("{Address:l} has no reset_method any more (hot-unplugged?); nothing to give back", address.ToString());
            return;
        }
        var original = data.Original;
        if (string.Join(' ', now) != original)
        {
            // An empty line would disable resetting; the record holds what was found, never empty (planning refused that).
            fs.WriteText(PciSysfs.ResetMethodFile(address), original.Length > 0 ? original : "default");
        }
    }

    public static IReadOnlyList<string> DescribeUndo(StepRecord record) =>
        record.As<GpuResetMethodData>() is var data ? [$"write \"{data.Original}\" to {PciSysfs.ResetMethodFile(PciAddress.TryParse(data.Address, out var a) ? a : default)}"] : [];

    /// <summary>The method in force is the one chosen; not changed under a running VM.</summary>
    public static Finding Reconcile(StepRecord record, ExecContext context)
    {
        var data = record.As<GpuResetMethodData>();
        var address = PciAddress.TryParse(data.Address, out var a) ? a : default;
        var now = PciSysfs.ResetMethods(context.Fs, address) is { } list ? string.Join(' ', list) : null;
        return now == data.Value
            ? Finding.Ok($"{address} resets with {now}")
            : Finding.Problem($"{address} resets with {now ?? "nothing (no reset_method)"}, not {data.Value} as chosen: left alone");
    }
}
