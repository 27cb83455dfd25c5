namespace HookDispatcher.Host;

/// <summary>Loading and unloading kernel modules (the GPU driver in single-GPU handover, vfio-pci on demand, kvmfr).</summary>
internal interface IKernelModules
{
    /// <summary>Loaded as a module (not built in): /sys/module/NAME/initstate exists.</summary>
    bool IsLoaded(string name);

    /// <summary>
    /// <c>modprobe NAME [PARAM=VALUE…]</c> (kvmfr's <c>static_size_mb=64</c>); throws <see cref="ModuleException"/>
    /// with modprobe's message. Parameters given here override the <c>options</c> lines of /etc/modprobe.d.
    /// </summary>
    void Load(string name, params IReadOnlyList<string> parameters);

    /// <summary>One <c>delete_module(NAME, O_NONBLOCK)</c>; throws <see cref="ModuleException"/> carrying errno.</summary>
    void Unload(string name);
}
