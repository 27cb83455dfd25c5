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
            var data = record.As<GpuBindData>();
            if (!PciAddress.TryParse(data.Address, out var address))
            {
                return [];
            }
            var driver = data.Driver;
            var current = PciSysfs.Driver(context.Fs, address);
            return current == driver
                ? [Finding.Ok($"{address} is on {driver}")]
                : [Finding.Problem($"{address} is on {current ?? "no driver"}, not {driver} as recorded: left alone (the VM may have lost the device)")];
        }

        public IReadOnlyList<string> DescribeHost(StepRecord record, IHostFs fs) =>
            record.As<GpuBindData>() is var data && PciAddress.TryParse(data.Address, out var address)
                ? [$"{PciSysfs.Device(address)}/driver is {PciSysfs.Driver(fs, address) ?? "unbound"} (recorded host driver: {data.HostDriver ?? "none"})"]
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

/// <summary>A gpu record's PCI function, by its address in the kernel's form ("0000:01:00.0").</summary>
internal abstract class GpuFunctionData : RecordData
{
    public required string Address { get; init; }

    public PciAddress PciAddress(StepRecord record) =>
        Values.PciAddress.TryParse(Address, out var address) ? address : throw new InvalidDataException($"state record '{record.Id}': bad address '{Address}'");
}

/// <summary>
/// A function bound to the VM's driver (<see cref="BindDeviceStep"/>): the driver, the host driver it was on (null:
/// none), its driver_override as found (null: none), and whether a failed bind back removes and rescans it.
/// </summary>
internal sealed class GpuBindData : GpuFunctionData
{
    protected override string KindName => GpuRecords.Bind;

    public required string Group { get; init; }

    public required string Driver { get; init; }

    public string? HostDriver { get; init; }

    public string? Override { get; init; }

    public bool RemoveRescan { get; init; }

    public static GpuBindData FromLegacy(LegacyData data) => new()
    {
        Address = data.Text("address"),
        Group = data.Text("group"),
        Driver = data.Text("driver"),
        HostDriver = data.Optional("hostDriver"),
        Override = data.Optional("override"),
        RemoveRescan = data.Optional("recover") == "removeRescan",
    };
}

/// <summary>A module the single-GPU handover unloaded (<see cref="UnloadModuleStep"/>), and the functions it drove.</summary>
internal sealed class GpuUnloadData : RecordData
{
    protected override string KindName => GpuRecords.Unload;

    public required string Module { get; init; }

    public bool WasLoaded { get; init; }

    public List<string> Devices { get; init; } = [];

    public void Deconstruct(out string module, out bool wasLoaded, out List<string> devices) => (module, wasLoaded, devices) = (Module, WasLoaded, Devices);

    public static GpuUnloadData FromLegacy(LegacyData data) =>
        new() { Module = data.Text("module"), WasLoaded = data.Flag("wasLoaded"), Devices = data.List("devices") };
}

/// <summary>The reset methods of a function as found, and those written (<see cref="ResetMethodStep"/>).</summary>
internal sealed class GpuResetMethodData : GpuFunctionData
{
    protected override string KindName => GpuRecords.ResetMethod;

    public required string Original { get; init; }

    public required string Value { get; init; }

    public static GpuResetMethodData FromLegacy(LegacyData data) =>
        new() { Address = data.Text("address"), Original = data.Text("original"), Value = data.Text("value") };
}

/// <summary>A platform device and the driver it was bound to.</summary>
internal sealed record PlatformBinding(string Device, string Driver);

/// <summary>The boot framebuffers unbound (<see cref="FramebufferStep"/>), each with its driver.</summary>
internal sealed class GpuFramebufferData : RecordData
{
    protected override string KindName => GpuRecords.Framebuffer;

    public List<PlatformBinding> Unbound { get; init; } = [];

    public static GpuFramebufferData FromLegacy(LegacyData data) => new()
    {
        Unbound = [.. data.List("devices").Select(e => e.Split('=', 2)).Where(p => p.Length == 2).Select(p => new PlatformBinding(p[0], p[1]))],
    };
}

/// <summary>The frame-buffer consoles unbound (<see cref="VtConsolesStep"/>).</summary>
internal sealed class GpuVtConsolesData : RecordData
{
    protected override string KindName => GpuRecords.VtConsoles;

    public List<string> Consoles { get; init; } = [];

    public static GpuVtConsolesData FromLegacy(LegacyData data) => new() { Consoles = data.List("consoles") };
}

/// <summary>That no process held the GPU once its users were stopped (<see cref="GpuUsersStep"/>): nothing to undo.</summary>
internal sealed class GpuUsersCheckedData : RecordData
{
    protected override string KindName => GpuRecords.UsersChecked;
}

/// <summary>The managed functions left to libvirt (<see cref="LeftToLibvirtStep"/>): nothing to undo.</summary>
internal sealed class GpuLeftToLibvirtData : RecordData
{
    protected override string KindName => GpuRecords.LeftToLibvirt;

    public List<string> Devices { get; init; } = [];

    public static GpuLeftToLibvirtData FromLegacy(LegacyData data) => new() { Devices = data.List("devices") };
}
