using System.Text.Json.Serialization;
using HookDispatcher.Handlers.CpuGovernor;
using HookDispatcher.Handlers.CpuIsolation;
using HookDispatcher.Handlers.Gpu;
using HookDispatcher.Handlers.Hugepages;
using HookDispatcher.Handlers.LookingGlass;
using HookDispatcher.Handlers.Scripts;
using HookDispatcher.Handlers.SleepInhibitor;
using HookDispatcher.Handlers.Units;

namespace HookDispatcher.Engine;

/// <summary>
/// What one record holds, typed by its kind: each <see cref="IRecordKind"/> has its own data type, declared beside
/// it, and the state file names the kind in the data's <c>"kind"</c> (the type discriminator of this polymorphic,
/// source-generated JSON). A kind this build does not know makes its file unreadable (refused by name, never read as
/// holding nothing): a build that adds a kind writes a newer format. Fields a type does not know are skipped.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(HugepagesData), HugepagesHandler.KindName)]
[JsonDerivedType(typeof(SleepInhibitorData), SleepInhibitorHandler.KindName)]
[JsonDerivedType(typeof(StopUnitsData), StopUnitsHandler.KindName)]
[JsonDerivedType(typeof(CpuGovernorData), CpuGovernorHandler.KindName)]
[JsonDerivedType(typeof(CpuIsolationData), CpuIsolationHandler.KindName)]
[JsonDerivedType(typeof(IrqAffinityData), IrqAffinityStep.KindName)]
[JsonDerivedType(typeof(WorkqueueMaskData), WorkqueueMaskStep.KindName)]
[JsonDerivedType(typeof(GpuBindData), GpuRecords.Bind)]
[JsonDerivedType(typeof(GpuUnloadData), GpuRecords.Unload)]
[JsonDerivedType(typeof(GpuResetMethodData), GpuRecords.ResetMethod)]
[JsonDerivedType(typeof(GpuFramebufferData), GpuRecords.Framebuffer)]
[JsonDerivedType(typeof(GpuVtConsolesData), GpuRecords.VtConsoles)]
[JsonDerivedType(typeof(GpuUsersCheckedData), GpuRecords.UsersChecked)]
[JsonDerivedType(typeof(GpuLeftToLibvirtData), GpuRecords.LeftToLibvirt)]
[JsonDerivedType(typeof(ScriptData), ScriptRecords.Script)]
[JsonDerivedType(typeof(ReleaseScriptData), ScriptRecords.Release)]
[JsonDerivedType(typeof(TreeScriptData), ScriptRecords.Tree)]
[JsonDerivedType(typeof(TreeReleaseData), ScriptRecords.TreeRelease)]
[JsonDerivedType(typeof(KvmfrData), KvmfrRecord.KindName)]
[JsonDerivedType(typeof(ShmFileData), ShmFileRecord.KindName)]
internal abstract class RecordData
{
    /// <summary>The name of the record kind that reads it (<see cref="IRecordKind.Name"/>), the same as its discriminator.</summary>
    [JsonIgnore]
    public string Kind => KindName;

    /// <summary><see cref="Kind"/>, as each data type names it (not a JSON property: the discriminator says it).</summary>
    protected abstract string KindName { get; }
}

/// <summary>The data of a cpuIsolation record (AllowedCPUs, IRQs, workqueues): every one carries the host set it allows.</summary>
internal interface IHostCpusData
{
    /// <summary>The CPUs the domain leaves to the host ("0-3"), in the kernel's list syntax.</summary>
    string HostCpus { get; }
}
