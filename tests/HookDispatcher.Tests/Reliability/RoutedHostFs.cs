using HookDispatcher.Host;
using HookDispatcher.Tests.Support;

namespace HookDispatcher.Tests.Reliability;

/// <summary>One simulated host from two models: PCI, consoles and modules from <see cref="SimPciHost"/>, the rest
/// (hugepage pools, procfs, CPUs) from <see cref="SimHostFs"/>.</summary>
internal sealed class RoutedHostFs(SimHostFs kernel, SimPciHost pci) : IHostFs
{
    private static readonly string[] PciPrefixes =
        ["/dev/vfio", "/sys/bus/pci", "/sys/kernel/iommu_groups", "/sys/class/vtconsole", "/sys/class/graphics", "/sys/bus/platform", "/sys/module"];

    public string Root => "/";

    public string Resolve(string absolutePath) => absolutePath;

    public bool Exists(string absolutePath) => Route(absolutePath).Exists(absolutePath);

    public string ReadText(string absolutePath) => Route(absolutePath).ReadText(absolutePath);

    public string? ReadLink(string absolutePath) => Route(absolutePath).ReadLink(absolutePath);

    public IReadOnlyList<string> ListDirectory(string absolutePath) => Route(absolutePath).ListDirectory(absolutePath);

    public void WriteText(string absolutePath, string value) => Route(absolutePath).WriteText(absolutePath, value);

    private IHostFs Route(string path) =>
        PciPrefixes.Any(p => path == p || path.StartsWith(p + "/", StringComparison.Ordinal)) ? pci : kernel;
}

/// <summary>Every module load and unload counts as an operation that <see cref="FaultPlan"/> may fail.</summary>
internal sealed class FaultyModules(IKernelModules inner, FaultPlan plan) : IKernelModules
{
    public bool IsLoaded(string name) => inner.IsLoaded(name);

    public void Load(string name, params IReadOnlyList<string> parameters)
    {
        plan.Hit($"modprobe {name}", message => new ModuleException(name, message));
        inner.Load(name, parameters);
    }

    public void Unload(string name)
    {
        plan.Hit($"delete_module {name}", message => new ModuleException(name, message, Errno.EIO));
        inner.Unload(name);
    }
}
