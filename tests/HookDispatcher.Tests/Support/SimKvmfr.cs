using System.Globalization;
using System.Runtime.InteropServices;
using HookDispatcher.Host;

namespace HookDispatcher.Tests.Support;

/// <summary>
/// The KVMFR module as modprobe and the kernel show it, on a real directory standing for "/" (Debian does not
/// package kvmfr, so no test can load the real one): loading with <c>static_size_mb=A,B</c> makes
/// /sys/module/kvmfr/{initstate,parameters/static_size_mb} and, as udev would, the character devices /dev/kvmfr0,
/// /dev/kvmfr1 (real device nodes, root:root 0600, with /dev/null's numbers so opening one is harmless); unloading
/// removes them and answers EBUSY while a simulated process in /proc holds a device open. Every call is recorded.
/// </summary>
internal sealed class SimKvmfr(string root) : IKernelModules
{
    private const uint CharDevice = 0x2000;

    /// <summary>makedev(1, 3), /dev/null.</summary>
    private const ulong NullDevice = 0x103;

    public List<string> Calls { get; } = [];

    /// <summary>false: the module loads but udev never makes /dev/kvmfr0.</summary>
    public bool DeviceAppears { get; set; } = true;

    /// <summary>Runs inside each load, as modprobe runs (a test checks what the hook holds meanwhile).</summary>
    public Action? OnLoad { get; set; }

    /// <summary>The next load fails with this modprobe message.</summary>
    public string? LoadFails { get; set; }

    public bool IsLoaded(string name) => name == "kvmfr" && File.Exists(Join("sys/module/kvmfr/initstate"));

    public void Load(string name, params IReadOnlyList<string> parameters)
    {
        Calls.Add(string.Join(' ', ["load", name, .. parameters]));
        if (name != "kvmfr")
        {
            throw new ModuleException(name, $"modprobe: FATAL: Module {name} not found");
        }
        OnLoad?.Invoke();
        if (LoadFails is { } message)
        {
            LoadFails = null;
            throw new ModuleException(name, message);
        }
        if (!IsLoaded(name))
        {
            Insert(parameters.FirstOrDefault(p => p.StartsWith("static_size_mb=", StringComparison.Ordinal))?["static_size_mb=".Length..] ?? "");
        }
    }

    /// <summary>Runs as each unload begins (a test holds it there).</summary>
    public Action? OnUnload { get; set; }

    public void Unload(string name)
    {
        OnUnload?.Invoke();
        Calls.Add("unload " + name);
        if (!IsLoaded(name))
        {
            throw new ModuleException(name, $"Cannot unload module '{name}': {Errno.Describe(Errno.ENOENT)}", Errno.ENOENT);
        }
        if (Held)
        {
            throw new ModuleException(name, $"Cannot unload module '{name}': {Errno.Describe(Errno.EBUSY)}", Errno.EBUSY);
        }
        Directory.Delete(Join("sys/module/kvmfr"), recursive: true);
        foreach (var device in Devices())
        {
            File.Delete(device);
        }
    }

    /// <summary>The user loaded it before the hook ran (not recorded in <see cref="Calls"/>).</summary>
    public void LoadedByUser(string sizes) => Insert(sizes);

    /// <summary>A process holding <paramref name="device"/> open (/proc/PID/comm and an fd link).</summary>
    public void Hold(int pid, string comm, string device = "/dev/kvmfr0")
    {
        var dir = Join($"proc/{pid.ToString(CultureInfo.InvariantCulture)}");
        Directory.CreateDirectory(Path.Join(dir, "fd"));
        File.WriteAllText(Path.Join(dir, "comm"), comm + "\n");
        File.CreateSymbolicLink(Path.Join(dir, "fd", "3"), device);
    }

    public void LetGo() => Directory.Delete(Join("proc"), recursive: true);

    public string? Parameter => File.Exists(Join("sys/module/kvmfr/parameters/static_size_mb"))
        ? File.ReadAllText(Join("sys/module/kvmfr/parameters/static_size_mb")).Trim()
        : null;

    private bool Held => Directory.Exists(Join("proc")) && Directory.EnumerateFileSystemEntries(Join("proc"), "*", SearchOption.AllDirectories)
        .Any(f => new FileInfo(f).LinkTarget?.StartsWith("/dev/kvmfr", StringComparison.Ordinal) == true);

    private void Insert(string sizes)
    {
        Directory.CreateDirectory(Join("sys/module/kvmfr/parameters"));
        File.WriteAllText(Join("sys/module/kvmfr/initstate"), "live\n");
        File.WriteAllText(Join("sys/module/kvmfr/parameters/static_size_mb"), sizes + "\n");
        if (DeviceAppears)
        {
            MakeDevices(sizes.Split(',', StringSplitOptions.RemoveEmptyEntries).Length);
        }
    }

    /// <summary>What udev does once the module is in: the device nodes.</summary>
    public void MakeDevices(int count)
    {
        Directory.CreateDirectory(Join("dev"));
        for (var i = 0; i < count; i++)
        {
            var node = Join($"dev/kvmfr{i.ToString(CultureInfo.InvariantCulture)}");
            if (Mknod(node, CharDevice | 0b110_000_000, NullDevice) != 0)
            {
                throw new IOException($"mknod {node}: errno {Marshal.GetLastPInvokeError()}");
            }
        }
    }

    private IEnumerable<string> Devices() =>
        Directory.Exists(Join("dev")) ? Directory.EnumerateFileSystemEntries(Join("dev"), "kvmfr*").ToList() : [];

    private string Join(string relative) => Path.Join(root, relative);

    [DllImport("libc", EntryPoint = "mknod", SetLastError = true)]
    private static extern int Mknod([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode, ulong dev);
}
