using HookDispatcher.Engine;
using HookDispatcher.Host;

namespace HookDispatcher.Handlers.Gpu;

/// <summary>
/// Unbinds the firmware framebuffer (efifb or simplefb) that still maps the boot GPU's memory: while it is bound
/// the memory region stays claimed and vfio-pci's user (QEMU) cannot map the BAR.
/// </summary>
internal sealed class FramebufferStep(IHostFs planFs) : Step
{
    public const string Action = "framebuffer";
    public static readonly string[] Devices = ["efi-framebuffer.0", "simple-framebuffer.0"];

    public override string Id => "gpu.framebuffer";

    public override string Kind => GpuRecords.Framebuffer;

    public override string Summary => "unbind the firmware framebuffer";

    public override IReadOnlyList<string> Actions
    {
        get
        {
            var bound = Bound(planFs);
            return bound.Count == 0
                ? [$"no {string.Join(" or ", Devices)} is bound: nothing to unbind"]
                : bound.Select(b => $"write {b.Device} to {Unbind(b.Driver)}; at release write it to {Bind(b.Driver)}").ToList();
        }
    }

    public override void Apply(StepScope scope)
    {
        var fs = scope.Context.Fs;
        var bound = Bound(fs);
        scope.Intent(new GpuFramebufferData { Unbound = [.. bound.Select(b => new PlatformBinding(b.Device, b.Driver))] });
        foreach (var (device, driver) in bound)
        {
            fs.WriteText(Unbind(driver), device);
        }
        scope.Done();
    }

    public static void Undo(StepRecord record, ExecContext context)
    {
        foreach (var (device, driver) in Recorded(record).Reverse())
        {
            if (context.Fs.ReadLink($"/sys/bus/platform/devices/{device}/driver") is null)
            {
                context.Fs.WriteText(Bind(driver), device);
            }
        }
    }

    public static IReadOnlyList<string> DescribeUndo(StepRecord record) =>
        Recorded(record).Reverse().Select(r => $"write {r.Device} to {Bind(r.Driver)}").DefaultIfEmpty("nothing: no framebuffer was unbound").ToList();

    private static string Bind(string driver) => $"/sys/bus/platform/drivers/{driver}/bind";

    private static string Unbind(string driver) => $"/sys/bus/platform/drivers/{driver}/unbind";

    private static IEnumerable<(string Device, string Driver)> Recorded(StepRecord record) =>
        record.As<GpuFramebufferData>().Unbound.Select(b => (b.Device, b.Driver));

    private static List<(string Device, string Driver)> Bound(IHostFs fs) =>
        Devices
            .Select(d => (Device: d, Link: fs.ReadLink($"/sys/bus/platform/devices/{d}/driver")))
            .Where(d => d.Link is not null)
            .Select(d => (d.Device, Path.GetFileName(d.Link!)))
            .ToList();
}
