using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using HookDispatcher.Host;

namespace HookDispatcher.Tests.Reliability;

/// <summary>
/// Kernel attribute files (nr_hugepages, a PCI function's driver_override, a driver's bind and unbind, a vtconsole's
/// bind, ...) as FIFOs in a real host tree, with this thread as the kernel: what a read returns and what a write does
/// come from a model (<see cref="IHostFs"/>: SimHostFs, SimPciHost). Every read and every write the hook makes blocks
/// in open(2) until served here, one at a time, and each counts as an operation of the <see cref="CrashPlan"/>.
/// <para>The operation to stop at is left unserved with the hook blocked in it (reading: in read(2), the write end
/// held open; writing: in open(2), before the value reaches the "kernel"), which is where the test kills it. With
/// <see cref="ApplyWithheld"/> a write to stop at is taken and applied to the model first, and the hook is killed
/// just after (the links and nodes that show its effect appear only once it is dead, so a hook waiting for them is
/// still waiting): the kernel did it, the hook never learnt.</para>
/// <para>A writer is recognised from /proc/PID/syscall (openat with O_WRONLY, no O_CREAT, asleep on three samples)
/// and the file it opens read from /proc/PID/mem at the path argument, so no product code knows about any of this.</para>
/// </summary>
internal sealed class FifoSysfs : IDisposable
{
    private const int ORdOnly = 0, OWrOnly = 1, OCreat = 0x40, ONonBlock = 0x800, OCloExec = 0x80000;
    private const int Eagain = 11;
    private const long OpenAt = 257;

    private readonly IHostFs _model;
    private readonly CrashPlan _plan;
    private readonly Action _written;
    private readonly Dictionary<string, string> _attributes; // FIFO on disk → path in the model
    private readonly Thread _thread;
    private readonly List<string> _refused = [];
    private volatile bool _stop;

    /// <param name="root">The host root the hook runs on.</param>
    /// <param name="attributes">Absolute host paths (as the hook names them) to serve; each becomes a FIFO.</param>
    /// <param name="written">Called after every write the model took, to show its effect in the tree (links, nodes).</param>
    public FifoSysfs(string root, IHostFs model, CrashPlan plan, IEnumerable<string> attributes, Action? written = null)
    {
        _model = model;
        _plan = plan;
        _written = written ?? (() => { });
        _attributes = attributes.ToDictionary(a => Path.Join(root, a), a => a, StringComparer.Ordinal);
        foreach (var fifo in _attributes.Keys)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(fifo)!);
            File.Delete(fifo);
            if (MkFifo(fifo, 0x1a4 /* 0644 */) != 0)
            {
                throw new IOException($"mkfifo {fifo}: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        _thread = new Thread(Serve) { IsBackground = true, Name = "fifo sysfs" };
        _thread.Start();
    }

    /// <summary>The hook process being served (writers are recognised by its syscall).</summary>
    public int Pid { get; set; }

    /// <summary>Whether a write to stop at still takes effect before the hook is killed.</summary>
    public bool ApplyWithheld { get; set; }

    public Exception? Failure { get; private set; }

    /// <summary>The writes the model refused since the last call (a real kernel would have failed the hook's write(2) with that errno).</summary>
    public IReadOnlyList<string> TakeRefused()
    {
        lock (_refused)
        {
            var refused = _refused.Select(r => "a write the kernel would refuse: " + r).ToList();
            _refused.Clear();
            return refused;
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join(TimeSpan.FromSeconds(5));
    }

    /// <summary>"hugepages-2048kB/nr_hugepages", "0000:01:00.0/driver_override", "vfio-pci/bind": how operations are named.</summary>
    public static string Name(string path) => string.Join('/', path.Split('/')[^2..]);

    private void Serve()
    {
        try
        {
            while (!_stop)
            {
                var served = false;
                foreach (var (fifo, path) in _attributes)
                {
                    served |= ServeReader(fifo, path);
                }
                if (!served && !ServeWriter())
                {
                    Thread.Sleep(2);
                }
            }
        }
        catch (Exception e)
        {
            Failure = e;
        }
    }

    /// <summary>A hook waiting to read has the FIFO open for reading, so a non-blocking open for writing succeeds.</summary>
    private bool ServeReader(string fifo, string path)
    {
        var fd = Open(fifo, OWrOnly | ONonBlock | OCloExec);
        if (fd < 0)
        {
            return false;
        }
        try
        {
            if (_plan.Take("read " + Name(path)))
            {
                _plan.Killed.Wait(TimeSpan.FromSeconds(30));
                return true;
            }
            var bytes = Encoding.UTF8.GetBytes(_model.ReadText(path));
            Write(fd, bytes, bytes.Length);
        }
        finally
        {
            Close(fd);
        }
        WaitUntilNoReader(fifo);
        return true;
    }

    /// <summary>The reader served last reads to EOF and closes; until then it must not be mistaken for a new one.</summary>
    private void WaitUntilNoReader(string fifo)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!_stop && DateTime.UtcNow < deadline)
        {
            var fd = Open(fifo, OWrOnly | ONonBlock | OCloExec);
            if (fd < 0)
            {
                return;
            }
            Close(fd);
            Thread.Sleep(1);
        }
    }

    private bool ServeWriter()
    {
        // The hook writes the driver core's files (unbind, bind, drivers_probe) from a child it can abandon.
        if (Pid == 0 || Family(Pid).Select(BlockedOpeningForWrite).FirstOrDefault(f => f is not null) is not { } fifo
            || !_attributes.TryGetValue(fifo, out var path))
        {
            return false;
        }
        var stop = _plan.Count("write " + Name(path));
        if (stop && !ApplyWithheld)
        {
            _plan.Stop();
            _plan.Killed.Wait(TimeSpan.FromSeconds(30));
            return true;
        }
        var value = ReadToEnd(fifo);
        try
        {
            _model.WriteText(path, value);
        }
        catch (HostIoException e)
        {
            lock (_refused)
            {
                _refused.Add($"{path} <- '{value.ReplaceLineEndings("\\n")}': {Errno.Describe(e.Errno)}");
            }
        }
        if (stop)
        {
            _plan.Stop();
            _plan.Killed.Wait(TimeSpan.FromSeconds(30));
        }
        _written();
        return true;
    }

    /// <summary>Opening the read end lets the blocked writer through; its value ends at EOF, when it closes.</summary>
    private static string ReadToEnd(string fifo)
    {
        var fd = Open(fifo, ORdOnly | ONonBlock | OCloExec);
        var text = new StringBuilder();
        var buffer = new byte[256];
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (DateTime.UtcNow < deadline)
            {
                var n = Read(fd, buffer, buffer.Length);
                if (n > 0)
                {
                    text.Append(Encoding.UTF8.GetString(buffer, 0, (int)n));
                }
                else if (n == 0)
                {
                    break;
                }
                else if (Marshal.GetLastPInvokeError() == Eagain)
                {
                    Thread.Sleep(1);
                }
                else
                {
                    throw new IOException($"read {fifo}: errno {Marshal.GetLastPInvokeError()}");
                }
            }
        }
        finally
        {
            Close(fd);
        }
        return text.ToString();
    }

    /// <summary>The process and its descendants (from /proc/PID/task/TID/children).</summary>
    internal static IEnumerable<int> Family(int pid)
    {
        yield return pid;
        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories($"/proc/{pid}/task");
        }
        catch (IOException)
        {
            yield break;
        }
        catch (UnauthorizedAccessException)
        {
            yield break;
        }
        foreach (var task in tasks)
        {
            string children;
            try
            {
                children = File.ReadAllText(Path.Join(task, "children"));
            }
            catch (IOException)
            {
                continue;
            }
            foreach (var child in children.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                foreach (var descendant in Family(int.Parse(child, CultureInfo.InvariantCulture)))
                {
                    yield return descendant;
                }
            }
        }
    }

    /// <summary>The file the process is asleep opening for writing (openat, O_WRONLY, no O_CREAT), or null.</summary>
    private static string? BlockedOpeningForWrite(int pid)
    {
        string? first = null;
        for (var sample = 0; sample < 3; sample++)
        {
            string line;
            try
            {
                line = File.ReadAllText($"/proc/{pid}/syscall").Trim();
            }
            catch (IOException)
            {
                return null;
            }
            var fields = line.Split(' ');
            if (fields.Length < 4 || fields[0] != OpenAt.ToString(CultureInfo.InvariantCulture) || (first is not null && line != first))
            {
                return null;
            }
            var flags = Convert.ToInt64(fields[3], 16);
            if ((flags & 3) != OWrOnly || (flags & OCreat) != 0)
            {
                return null;
            }
            first = line;
            Thread.Sleep(3);
        }
        return StringAt(pid, Convert.ToUInt64(first!.Split(' ')[2], 16));
    }

    /// <summary>The NUL-terminated string at <paramref name="address"/> in the process's memory.</summary>
    private static string? StringAt(int pid, ulong address)
    {
        try
        {
            using var memory = File.OpenHandle($"/proc/{pid}/mem", FileMode.Open, FileAccess.Read);
            var bytes = new List<byte>();
            var buffer = new byte[256];
            while (bytes.Count < 4096)
            {
                // Never across a page boundary in one read: the next page may be unmapped.
                var offset = address + (ulong)bytes.Count;
                var length = (int)Math.Min((ulong)buffer.Length, 4096 - offset % 4096);
                var n = RandomAccess.Read(memory, buffer.AsSpan(0, length), (long)offset);
                if (n <= 0)
                {
                    return null;
                }
                var end = Array.IndexOf(buffer, (byte)0, 0, n);
                bytes.AddRange(buffer.AsSpan(0, end < 0 ? n : end));
                if (end >= 0)
                {
                    return Encoding.UTF8.GetString([.. bytes]);
                }
            }
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // the process is gone, or not where it was
        }
    }

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MkFifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "read", SetLastError = true)]
    private static extern nint Read(int fd, byte[] buffer, nint count);

    [DllImport("libc", EntryPoint = "write", SetLastError = true)]
    private static extern nint Write(int fd, byte[] buffer, nint count);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
