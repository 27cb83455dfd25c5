using HookDispatcher.Values;

namespace HookDispatcher.Rules;

/// <summary>
/// Binds a merged rule tree to <see cref="RuleSet"/> by hand (no reflection under native AOT), collecting every
/// error. Defaults live here and in hooks.d/rules.schema.json; keep the two in step.
/// </summary>
internal static class RuleBinder
{
    private static readonly string[] DefaultIsolatedUnits = ["system.slice", "user.slice", "init.scope"];

    public static RuleSet Bind(RuleNode root, IReadOnlyList<string> sources, List<RuleError> errors)
    {
        var top = new RuleObjectReader(
            root, RulePath.Root, errors, "gpu", "hugepages", "cpuIsolation", "sleepInhibitor", "cpuGovernor", "services", "lookingGlass", "scripts", "scriptsDir");
        return new RuleSet(
            sources,
            Gpu(top.Section("gpu", "devices", "fromDomainXml", "wholeIommuGroup", "driver", "singleGpu", "at", "bindManaged", "resetMethod", "recover")),
            Hugepages(top.Section(
                "hugepages", "pageSize", "count", "node", "dropCaches", "compactMemory", "attempts", "at")),
            CpuIsolation(top.Section("cpuIsolation", "hostCpus", "units", "at", "irqs", "workqueues")),
            SleepInhibitor(top.Section("sleepInhibitor", "what", "why", "at")),
            CpuGovernor(top.Section("cpuGovernor", "governor", "cpus", "epp", "at")))
        {
            Services = Services(top.Section("services", "stop", "at")),
            LookingGlass = LookingGlass(top.Section("lookingGlass", "device", "sizeMiB", "owner", "group", "mode", "width", "height", "hdr", "at")),
            Scripts = ScriptRuleBinder.Scripts(root, errors),
            ScriptsDir = ScriptRuleBinder.ScriptsDir(root, errors),
        };
    }

    private static GpuRule? Gpu(RuleObjectReader? gpu)
    {
        if (gpu is null)
        {
            return null;
        }
        var rule = new GpuRule(
            gpu.List<PciAddress>("devices", [], RuleValues.Pci),
            gpu.Get("fromDomainXml", false, RuleValues.Bool),
            gpu.Get("wholeIommuGroup", true, RuleValues.Bool),
            gpu.Get("driver", "vfio-pci", RuleValues.NonEmptyString),
            SingleGpu(gpu.Section(
                "singleGpu", "stopUnits", "unbindVtConsoles", "unbindEfiFramebuffer", "unloadModules")),
            gpu.Get("at", Stage.Prepare, RuleValues.StageBeforeQemu),
            gpu.Get("bindManaged", false, RuleValues.Bool))
        {
            ResetMethod = gpu.Get<string?>("resetMethod", null, RuleValues.ResetMethod),
            Recover = gpu.Get("recover", GpuRecovery.None, RuleValues.GpuRecovery),
        };
        // Only when the file really lists nothing: a bad "devices" or "fromDomainXml" already has its own error.
        var devices = gpu.Node.Member("devices")?.Value;
        var fromXml = gpu.Node.Member("fromDomainXml")?.Value;
        if (devices is null or { Kind: RuleNodeKind.Array, Items.Count: 0 } &&
            fromXml is null or { Kind: RuleNodeKind.False })
        {
            gpu.Error("no GPU to pass through: list \"devices\" or set \"fromDomainXml\": true");
        }
        return rule;
    }

    private static SingleGpuRule? SingleGpu(RuleObjectReader? single) => single is null
        ? null
        : new SingleGpuRule(
            single.List<string>("stopUnits", [], RuleValues.UnitName),
            single.Get("unbindVtConsoles", true, RuleValues.Bool),
            single.Get("unbindEfiFramebuffer", true, RuleValues.Bool),
            single.List<string>("unloadModules", [], RuleValues.ModuleName));

    private static HugepagesRule? Hugepages(RuleObjectReader? pages) => pages is null
        ? null
        : new HugepagesRule(
            pages.Get<ulong?>("pageSize", null, RuleValues.PageSize),
            pages.Get<ulong?>("count", null, RuleValues.Count),
            pages.Node.Member("node") is null ? null : (int)pages.Get("node", 0L, RuleValues.Integer(0, 1023)),
            pages.Get("dropCaches", Escalation.IfShort, RuleValues.Escalation),
            pages.Get("compactMemory", Escalation.IfShort, RuleValues.Escalation),
            (int)pages.Get("attempts", 5L, RuleValues.Integer(1, 100)),
            pages.Get("at", Stage.Prepare, RuleValues.StageBeforeQemu));

    private static CpuIsolationRule? CpuIsolation(RuleObjectReader? cpus) => cpus is null
        ? null
        : new CpuIsolationRule(
            cpus.Get<CpuSet?>("hostCpus", null, RuleValues.HostCpus),
            cpus.List<string>("units", DefaultIsolatedUnits, RuleValues.SliceOrScope),
            cpus.Get("at", Stage.Started, RuleValues.Stage),
            cpus.Get("irqs", true, RuleValues.Bool),
            cpus.Get("workqueues", true, RuleValues.Bool));

    private static CpuGovernorRule? CpuGovernor(RuleObjectReader? governor) => governor is null
        ? null
        : new CpuGovernorRule(
            governor.Get("governor", "performance", RuleValues.SysfsWord),
            governor.Get<CpuSet?>("cpus", null, RuleValues.AutoOrCpuList),
            governor.Node.Member("epp") is null ? null : governor.Get("epp", "", RuleValues.SysfsWord),
            governor.Get("at", Stage.Prepare, RuleValues.Stage));

    private static LookingGlassRule? LookingGlass(RuleObjectReader? glass)
    {
        if (glass is null)
        {
            return null;
        }
        if (glass.Node.Member("owner") is null)
        {
            glass.Error("no \"owner\": the desktop user who runs the Looking Glass client, e.g. \"alice\"");
        }
        var rule = new LookingGlassRule(
            glass.Get("device", LookingGlassDevice.Shm, RuleValues.LookingGlassDevice),
            glass.Get<ulong?>("sizeMiB", null, RuleValues.SizeMiB),
            glass.Get("owner", "root", RuleValues.AccountName),
            glass.Get("group", "kvm", RuleValues.AccountName),
            glass.Get("mode", 0b110_110_000u, RuleValues.FileMode),
            (int)glass.Get("width", 1920L, RuleValues.Integer(1, 16384)),
            (int)glass.Get("height", 1080L, RuleValues.Integer(1, 16384)),
            glass.Get("hdr", false, RuleValues.Bool),
            glass.Get("at", Stage.Prepare, RuleValues.StageBeforeQemu));
        if (rule is { Device: LookingGlassDevice.Kvmfr, SizeMiB: > RuleValues.KvmfrMaxSizeMiB })
        {
            glass.Error("sizeMiB", FormattableString.Invariant(
                $"kvmfr makes devices of at most {RuleValues.KvmfrMaxSizeMiB} MiB (it multiplies static_size_mb out in a C int), got {rule.SizeMiB}"));
        }
        return rule;
    }

    private static ServicesRule? Services(RuleObjectReader? services)
    {
        if (services is null)
        {
            return null;
        }
        var rule = new ServicesRule(services.List<string>("stop", [], RuleValues.UnitName), services.Get("at", Stage.Prepare, RuleValues.Stage));
        if (services.Node.Member("stop")?.Value is null or { Kind: RuleNodeKind.Array, Items.Count: 0 })
        {
            services.Error("no service to stop: list the units in \"stop\"");
        }
        else if (rule.Stop.Distinct(StringComparer.Ordinal).Count() != rule.Stop.Count)
        {
            services.Error("\"stop\" names a unit twice");
        }
        return rule;
    }

    private static SleepInhibitorRule? SleepInhibitor(RuleObjectReader? sleep) => sleep is null
        ? null
        : new SleepInhibitorRule(
            sleep.Get("what", "sleep", RuleValues.InhibitWhat),
            sleep.Get("why", "libvirt domain {domain} is running", RuleValues.NonEmptyString),
            sleep.Get("at", Stage.Prepare, RuleValues.Stage));
}
