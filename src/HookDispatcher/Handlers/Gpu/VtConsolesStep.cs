using HookDispatcher.Engine;
using HookDispatcher.Host;

namespace HookDispatcher.Handlers.Gpu;

/// <summary>
/// Unbinds the frame-buffer consoles (fbcon) from the virtual terminals, so no console keeps the GPU's framebuffer
/// and the host driver can let go. Consoles of other kinds (the dummy one) stay.
/// </summary>
internal sealed class VtConsolesStep(IHostFs planFs) : Step
{
    public const string Action = "vtconsoles";
    public const string ClassDir = "/sys/class/vtconsole";

    public override string Id => "gpu.vtconsoles";

    public override string Kind => GpuRecords.VtConsoles;

    public override string Summary => "unbind the frame-buffer consoles";

    public override IReadOnlyList<string> Actions
    {
        get
        {
            var bound = BoundFramebufferConsoles(planFs);
            return bound.Count == 0
                ? ["no frame-buffer console is bound: nothing to unbind"]
                : bound.Select(c => $"write 0 to {ClassDir}/{c}/bind ({Name(planFs, c)}); at release write 1").ToList();
        }
    }

    public override void Apply(StepScope scope)
    {
        var fs = scope.Context.Fs;
        var bound = BoundFramebufferConsoles(fs);
        scope.Intent(new GpuVtConsolesData { Consoles = [.. bound] });
        foreach (var console in bound)
        {
            fs.WriteText($"{ClassDir}/{console}/bind", "0");
        }
        scope.Done();
    }

    /// <summary>
    /// Binds again, in reverse order, the consoles this step unbound and that are still unbound. A console whose
    /// entry is gone comes back by itself when its framebuffer is registered again (the GPU driver's return).
    /// </summary>
    public static void Undo(StepRecord record, ExecContext context, IFramebufferConsole fbcon)
    {
        var fs = context.Fs;
        var unbound = Consoles(record).Reverse().Where(c => IsUnbound(fs, c)).ToList();
        foreach (var console in unbound)
        {
            fs.WriteText($"{ClassDir}/{console}/bind", "1");
        }
        // The kernel's vt_bind swaps a console driver with the system one ("(S)"); where the boot console was
        // replaced (vgacon deactivated by the GPU driver) there is none, the write above is a no-op, and only
        // mapping a console to a framebuffer makes fbcon take over again.
        if (unbound.Any(c => IsUnbound(fs, c)) && Framebuffers(fs).FirstOrDefault() is { } fb)
        {
            context.Log.Information("Writing 1 to the vtconsole bind did not rebind fbcon; mapping console 1 to fb{Fb}", fb);
            fbcon.TakeOver(fb);
        }
    }

    private static bool IsUnbound(IHostFs fs, string console) =>
        fs.Exists($"{ClassDir}/{console}/bind") && fs.ReadText($"{ClassDir}/{console}/bind").Trim() != "1";

    private static IEnumerable<int> Framebuffers(IHostFs fs) => !fs.Exists("/sys/class/graphics")
        ? []
        : fs.ListDirectory("/sys/class/graphics")
            .Where(n => n.StartsWith("fb", StringComparison.Ordinal) && n.Length > 2 && n[2..].All(char.IsAsciiDigit))
            .Select(n => int.Parse(n[2..], System.Globalization.CultureInfo.InvariantCulture))
            .Order();

    public static IReadOnlyList<string> DescribeUndo(StepRecord record) =>
        Consoles(record).Reverse().Select(c => $"write 1 to {ClassDir}/{c}/bind").DefaultIfEmpty("nothing: no console was unbound").ToList();

    private static IEnumerable<string> Consoles(StepRecord record) => record.As<GpuVtConsolesData>().Consoles;

    private static List<string> BoundFramebufferConsoles(IHostFs fs) => !fs.Exists(ClassDir)
        ? []
        : fs.ListDirectory(ClassDir)
            .Where(c => c.StartsWith("vtcon", StringComparison.Ordinal))
            .Where(c => Name(fs, c).Contains("frame buffer", StringComparison.OrdinalIgnoreCase))
            .Where(c => fs.ReadText($"{ClassDir}/{c}/bind").Trim() == "1")
            .ToList();

    private static string Name(IHostFs fs, string console) => fs.ReadText($"{ClassDir}/{console}/name").Trim();
}
