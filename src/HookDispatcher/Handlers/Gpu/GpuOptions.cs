using HookDispatcher.Host;

namespace HookDispatcher.Handlers.Gpu;

/// <summary>What the gpu steps need beyond sysfs: the module loader, the driver-core writer and their bounded waits.</summary>
/// <param name="Writes">Unbind, bind and probe writes, each bounded by <paramref name="BindTimeout"/>; null: made in this process.</param>
internal sealed record GpuOptions(IKernelModules Modules, IFramebufferConsole Console, TimeSpan BindTimeout, TimeSpan UnloadTimeout, IDriverWrites? Writes = null)
{
    public IDriverWrites DriverWrites { get; } = Writes ?? new InProcessDriverWrites();
}
