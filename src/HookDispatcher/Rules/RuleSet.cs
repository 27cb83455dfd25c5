using HookDispatcher.Values;

namespace HookDispatcher.Rules;

/// <summary>When a section acts. Undo always happens at <c>release end</c>, in reverse order.</summary>
internal enum Stage
{
    Prepare,
    Start,
    Started,
}

/// <summary>When the hugepage handler drops caches or compacts memory.</summary>
internal enum Escalation
{
    IfShort,
    Always,
    Never,
}

/// <summary>The merged rules of one domain (base file plus drop-ins). A null section is absent.</summary>
internal sealed record RuleSet(
    IReadOnlyList<string> Sources,
    GpuRule? Gpu,
    HugepagesRule? Hugepages,
    CpuIsolationRule? CpuIsolation,
    SleepInhibitorRule? SleepInhibitor,
    CpuGovernorRule? CpuGovernor = null)
{
    /// <summary>The user's own commands (section <c>scripts</c>), in file order.</summary>
    public IReadOnlyList<ScriptRule> Scripts { get; init; } = [];

    /// <summary>Host services stopped while the VM runs (section <c>services</c>), or null.</summary>
    public ServicesRule? Services { get; init; }

    /// <summary>Looking Glass shared memory (section <c>lookingGlass</c>), or null.</summary>
    public LookingGlassRule? LookingGlass { get; init; }

    /// <summary>A VFIO-Tools tree (<c>qemu.d/&lt;vm&gt;</c>) run as-is, or null.</summary>
    public string? ScriptsDir { get; init; }
}

/// <summary>PageSizeBytes/Count null mean "auto" (derive from the domain XML).</summary>
internal sealed record HugepagesRule(
    ulong? PageSizeBytes,
    ulong? Count,
    int? Node,
    Escalation DropCaches,
    Escalation CompactMemory,
    int Attempts,
    Stage At);

/// <summary>HostCpus null means "auto". Irqs and Workqueues move IRQ affinity and the unbound-workqueue mask too.</summary>
internal sealed record CpuIsolationRule(CpuSet? HostCpus, IReadOnlyList<string> Units, Stage At, bool Irqs = true, bool Workqueues = true);

/// <summary>Cpus null means "auto" (the CPUs the vCPUs are pinned to); Epp null leaves energy_performance_preference alone.</summary>
internal sealed record CpuGovernorRule(string Governor, CpuSet? Cpus, string? Epp, Stage At);

/// <summary>Where Looking Glass's frames go: the KVMFR module's /dev/kvmfr0 or a /dev/shm file.</summary>
internal enum LookingGlassDevice
{
    Shm,
    Kvmfr,
}

/// <summary>SizeMiB null means "auto" (from Width, Height and Hdr).</summary>
internal sealed record LookingGlassRule(
    LookingGlassDevice Device, ulong? SizeMiB, string Owner, string Group, uint Mode, int Width, int Height, bool Hdr, Stage At);

/// <summary>Units to stop at <paramref name="At"/> (only those active) and start again at release, in reverse order.</summary>
internal sealed record ServicesRule(IReadOnlyList<string> Stop, Stage At);

internal sealed record SleepInhibitorRule(string What, string Why, Stage At);

internal sealed record GpuRule(
    IReadOnlyList<PciAddress> Devices,
    bool FromDomainXml,
    bool WholeIommuGroup,
    string Driver,
    SingleGpuRule? SingleGpu,
    Stage At,
    bool BindManaged = false)
{
    /// <summary>The reset method(s) written to each display function's <c>reset_method</c> while the VM runs; null: left alone.</summary>
    public string? ResetMethod { get; init; }

    /// <summary>What release does when a function will not go back to its host driver.</summary>
    public GpuRecovery Recover { get; init; }
}

internal enum GpuRecovery
{
    None,

    /// <summary>Remove the function and rescan its bus, then bind it to its recorded driver (issue 24's AMD reset bug).</summary>
    RemoveRescan,
}

internal sealed record SingleGpuRule(
    IReadOnlyList<string> StopUnits,
    bool UnbindVtConsoles,
    bool UnbindEfiFramebuffer,
    IReadOnlyList<string> UnloadModules);
