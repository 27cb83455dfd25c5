using System.Globalization;

namespace HookDispatcher.Host;

/// <summary>
/// Writes to the driver core's files (a driver's <c>unbind</c> and <c>bind</c>, <c>drivers_probe</c>) that call into
/// a driver and may not return: nvidia's remove() waits until every user has closed <c>/dev/nvidia*</c>, vfio-pci's
/// until QEMU lets the device go. Such a write must be one the hook can walk away from.
/// </summary>
internal interface IDriverWrites
{
    /// <summary>
    /// One write(2) of <paramref name="value"/> to <paramref name="absolutePath"/> (resolved through
    /// <paramref name="fs"/>). Throws <see cref="HostIoException"/> when the kernel refuses it and
    /// <see cref="TimeoutException"/> when it has not returned within <paramref name="timeout"/>.
    /// </summary>
    void Write(IHostFs fs, string absolutePath, string value, TimeSpan timeout);
}

/// <summary>
/// The write made by a child process (<c>hookctl __kernel-write PATH VALUE</c>) under <see cref="ProcessRunner"/>'s
/// time limit. A write stuck in a driver leaves the hook's own threads alone: a thread of ours stuck in the kernel
/// would keep the whole process from exiting (exit_group waits for it), and libvirtd waits for the hook to exit. A
/// child that does not return in time is sent SIGKILL and abandoned (a task in uninterruptible sleep dies only when
/// the driver lets go), with neither the hook's stdout nor stderr: libvirtd is not kept waiting for EOF.
/// </summary>
internal sealed class ChildDriverWrites(string binary) : IDriverWrites
{
    public const string Command = "__kernel-write";

    public void Write(IHostFs fs, string absolutePath, string value, TimeSpan timeout)
    {
        var path = fs.Resolve(absolutePath);
        var result = new ProcessRunner(timeout).Run(new ProcessRequest(binary, [Command, path, value], Environment: new Dictionary<string, string>()));
        if (result.ExitCode == 0)
        {
            return;
        }
        // The child's one line: "errno N" when the kernel refused the write, anything else when it could not try.
        var line = result.Stderr.Trim();
        throw line.StartsWith("errno ", StringComparison.Ordinal) &&
              int.TryParse(line.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out var errno)
            ? new HostIoException("write", path, value, errno)
            : new HostIoException("write", path, value, 0, new IOException($"{binary} {Command} exited {result.ExitCode}: {line}"));
    }

    /// <summary>The child's side: the write and its errno, nothing else (no config, no logging, no libraries).</summary>
    public static int Run(string path, string value, TextWriter stderr)
    {
        try
        {
            new HostFs("/").WriteText(path, value);
            return 0;
        }
        catch (HostIoException e)
        {
            stderr.WriteLine(FormattableString.Invariant($"errno {e.Errno}"));
            return 1;
        }
    }
}

/// <summary>The write made in this process: for tests whose host is a model the child could not see.</summary>
internal sealed class InProcessDriverWrites : IDriverWrites
{
    public void Write(IHostFs fs, string absolutePath, string value, TimeSpan timeout) => fs.WriteText(absolutePath, value);
}
