using HookDispatcher.Host;

namespace HookDispatcher.Handlers.Gpu;

/// <summary>What the gpu steps need beyond sysfs: the module loader and their bounded waits.</summary>
internal sealed record GpuOptions(IKernelModules Modules, IFramebufferConsole Console, TimeSpan BindTimeout, TimeSpan UnloadTimeout);
