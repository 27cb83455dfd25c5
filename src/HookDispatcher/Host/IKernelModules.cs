namespace HookDispatcher.Host;

/// <summary>Loading and unloading kernel modules (the GPU driver in single-GPU handover, vfio-pci on demand).</summary>
internal interface IKernelModules
{
    /// <summary>Loaded as a module (not built in): /sys/module/NAME/initstate exists.</summary>
    bool IsLoaded(string name);

    /// <summary><c>modprobe NAME</c>; throws <see cref="ModuleException"/> with modprobe's message.</summary>
    void Load(string name);

    /// <summary>One <c>delete_module(NAME, O_NONBLOCK)</c>; throws <see cref="ModuleException"/> carrying errno.</summary>
    void Unload(string name);
}
