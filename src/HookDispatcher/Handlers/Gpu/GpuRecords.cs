using HookDispatcher.Engine;
using HookDispatcher.Host;
using HookDispatcher.Values;

namespace HookDispatcher.Handlers.Gpu;

/// <summary>
/// The kinds of record the gpu section journals, one per step: each undoes, checks and describes what its step
/// did (the step's own static Undo/DescribeUndo/Reconcile, beside its Apply).
/// </summary>
internal static class GpuRecords
{
    public const string Bind = GpuHandler.KindName + "." + BindDeviceStep.Action;
    public const string Unload = GpuHandler.KindName + "." + UnloadModuleStep.Action;
    public const string ResetMethod = GpuHandler.KindName + "." + ResetMethodStep.Action;
    public const string Framebuffer = GpuHandler.KindName + "." + FramebufferStep.Action;
    public const string VtConsoles = GpuHandler.KindName + "." + VtConsolesStep.Action;
    public const string UsersChecked = GpuHandler.KindName + "." + GpuUsersStep.Action;
    public const string LeftToLibvirt = GpuHandler.KindName + "." + LeftToLibvirtStep.Action;

    public static IReadOnlyList<IRecordKind> All(GpuOptions options) =>
    [
        new BindRecord(options),
        new UnloadRecord(options),
        new ResetMethodRecord(),
        new FramebufferRecord(),
        new VtConsolesRecord(options.Console),
        new NoteRecord(UsersChecked),
        new NoteRecord(LeftToLibvirt),
    ];

    /// <summary>A function QEMU holds must still be on the driver it was bound to; that is not repaired under a running VM.</summary>
    private sealed class BindRecord(GpuOptions options) : IRecordKind
    {
        public string Name => Bind;

        public void Undo(StepRecord record, ExecContext context) => BindDeviceStep.Undo(record, context, options);

        public IReadOnlyList<string> DescribeUndo(StepRecord record) => BindDeviceStep.DescribeUndo(record);

        public IReadOnlyList<Finding> Reconcile(StepRecord record, ExecContext context)
        {
            if (!PciAddress.TryParse(record.Data.GetValueOrDefault("address"), out var address))
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
            PciAddress.TryParse(record.Data.GetValueOrDefault("address"), out var address)
                ? [$"{PciSysfs.Device(address)}/driver is {PciSysfs.Driver(fs, address) ?? "unbound"} (recorded host driver: {record.Data.GetValueOrDefault("hostDriver", "none")})"]
                : [];
    }

    private sealed class UnloadRecord(GpuOptions options) : IRecordKind
    {
        public string Name => Unload;

        public void Undo(StepRecord record, ExecContext context) => UnloadModuleStep.Undo(record, context, options);

        public IReadOnlyList<string> DescribeUndo(StepRecord record) => UnloadModuleStep.DescribeUndo(record);
    }

    private sealed class ResetMethodRecord : IRecordKind
    {
        public string Name => ResetMethod;

        public void Undo(StepRecord record, ExecContext context) => ResetMethodStep.Undo(record, context);

        public IReadOnlyList<string> DescribeUndo(StepRecord record) => ResetMethodStep.DescribeUndo(record);

        public IReadOnlyList<Finding> Reconcile(StepRecord record, ExecContext context) => [ResetMethodStep.Reconcile(record, context)];
    }

    private sealed class FramebufferRecord : IRecordKind
    {
        public string Name => Framebuffer;

        public void Undo(StepRecord record, ExecContext context) => FramebufferStep.Undo(record, context);

        public IReadOnlyList<string> DescribeUndo(StepRecord record) => FramebufferStep.DescribeUndo(record);
    }

    private sealed class VtConsolesRecord(IFramebufferConsole console) : IRecordKind
    {
        public string Name => VtConsoles;

        public void Undo(StepRecord record, ExecContext context) => VtConsolesStep.Undo(record, context, console);

        public IReadOnlyList<string> DescribeUndo(StepRecord record) => VtConsolesStep.DescribeUndo(record);
    }

    /// <summary>A fact journalled for the dry run and status (GPU users checked, functions left to libvirt): nothing changed, nothing to undo.</summary>
    private sealed class NoteRecord(string name) : IRecordKind
    {
        public string Name => name;

        public void Undo(StepRecord record, ExecContext context)
        {
        }

        public IReadOnlyList<string> DescribeUndo(StepRecord record) => ["nothing to undo"];
    }
}
