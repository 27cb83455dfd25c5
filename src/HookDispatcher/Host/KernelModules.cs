using System.Runtime.InteropServices;

namespace HookDispatcher.Host;

/// <summary>The real module loader: modprobe through <see cref="ProcessRunner"/>, delete_module(2) directly.</summary>
internal sealed class KernelModules(IHostFs fs, ProcessRunner runner) : IKernelModules
{
    /// <summary>Debian 12 ships kmod's modprobe here (/sbin is a link to it on merged-/usr systems).</summary>
    public const string Modprobe = "/usr/sbin/modprobe";

    /// <summary>The kernel names modules with underscores; "vfio-pci" and "vfio_pci" are one module.</summary>
    public static string Normalize(string name) => name.Replace('-', '_');

    public bool IsLoaded(string name) => fs.Exists($"/sys/module/{Normalize(name)}/initstate");

    public void Load(string name, params IReadOnlyList<string> parameters)
    {
        // The runner's time limit bounds modprobe (a module's init can hang); it kills the whole process group.
        var result = runner.Run(Modprobe, [name, .. parameters]);
        if (result.ExitCode != 0)
        {
            var why = (result.Stderr.Trim().Length > 0 ? result.Stderr : result.Stdout).Trim().ReplaceLineEndings(" ");
            throw new ModuleException(name, $"{CommandLine(name, parameters)} failed (exit {result.ExitCode}): {why}");
        }
    }

    /// <summary>"/usr/sbin/modprobe kvmfr static_size_mb=64", as the dry run and errors show it.</summary>
    public static string CommandLine(string name, IReadOnlyList<string> parameters) =>
        string.Join(' ', [Modprobe, name, .. parameters]);

    public void Unload(string name)
    {
        // O_NONBLOCK: fail with EWOULDBLOCK/EBUSY at once instead of waiting in the kernel for users to go away.
        if (LibC.DeleteModule(Normalize(name), LibC.O_NONBLOCK) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new ModuleException(name, $"Cannot unload module '{name}': {Host.Errno.Describe(errno)}", errno);
        }
    }
}
