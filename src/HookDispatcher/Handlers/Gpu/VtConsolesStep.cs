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

    public override string Kind => GpuHandler.KindName;

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
        scope.Intent(new Dictionary<string, string> { ["action"] = Action, ["consoles"] = string.Join(',', bound) });
        foreach (var console in bound)
        {
            fs.WriteText($"{ClassDir}/{console}/bind", "0");
        }
        scope.Done();
    }

    /// <summary>Binds again, in reverse order, the consoles this step unbound (only those still unbound).</summary>
    public static void Undo(StepRecord record, ExecContext context)
    {
        foreach (var console in Consoles(record).Reverse())
        {
            var bind = $"{ClassDir}/{console}/bind";
            if (context.Fs.Exists(bind) && context.Fs.ReadText(bind).Trim() != "1")
            {
                context.Fs.WriteText(bind, "1");
            }
        }
    }

    public static IReadOnlyList<string> DescribeUndo(StepRecord record) =>
        Consoles(record).Reverse().Select(c => $"write 1 to {ClassDir}/{c}/bind").DefaultIfEmpty("nothing: no console was unbound").ToList();

    private static IEnumerable<string> Consoles(StepRecord record) =>
        record.Data.GetValueOrDefault("consoles", "").Split(',', StringSplitOptions.RemoveEmptyEntries);

    private static List<string> BoundFramebufferConsoles(IHostFs fs) => !fs.Exists(ClassDir)
        ? []
        : fs.ListDirectory(ClassDir)
            .Where(c => c.StartsWith("vtcon", StringComparison.Ordinal))
            .Where(c => Name(fs, c).Contains("frame buffer", StringComparison.OrdinalIgnoreCase))
            .Where(c => fs.ReadText($"{ClassDir}/{c}/bind").Trim() == "1")
            .ToList();

    private static string Name(IHostFs fs, string console) => fs.ReadText($"{ClassDir}/{console}/name").Trim();
}
