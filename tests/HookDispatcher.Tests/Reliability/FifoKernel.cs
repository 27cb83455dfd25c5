using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace HookDispatcher.Tests.Reliability;

/// <summary>
/// nr_hugepages as a FIFO, with this thread as the kernel: every read the hook makes and every value it writes
/// blocks in open(2) until served here, one at a time, and each counts as an operation of the <see cref="CrashPlan"/>.
/// The operation to stop at is left unserved with the hook blocked in it (reading: in read(2), the write end held
/// open; writing: in open(2), before the value reaches the "kernel"), which is where the test kills it. A writer is
/// recognised from /proc/PID/syscall (openat with O_WRONLY, no O_CREAT, asleep on three samples), so no product
/// code knows about any of this. Grants every page asked for.
/// </summary>
internal sealed class FifoKernel : IDisposable
{
    private const int ORdOnly = 0, OWrOnly = 1, OCreat = 0x40, ONonBlock = 0x800, OCloExec = 0x80000;
    private const int Eagain = 11;
    private const long OpenAt = 257;

    private readonly string _path;
    private readonly CrashPlan _plan;
    private readonly Thread _thread;
    private volatile bool _stop;
    private long _pages;

    public FifoKernel(string path, CrashPlan plan)
    {
        _path = path;
        _plan = plan;
        File.Delete(path);
        if (MkFifo(path, 0x1a4 /* 0644 */) != 0)
        {
            throw new IOException($"mkfifo {path}: errno {Marshal.GetLastPInvokeError()}");
        }
        _thread = new Thread(Serve) { IsBackground = true, Name = "fifo kernel" };
        _thread.Start();
    }

    /// <summary>The pool's size as the hook would read it.</summary>
    public long Pages => Interlocked.Read(ref _pages);

    /// <summary>The hook process being served (writers are recognised by its syscall).</summary>
    public int Pid { get; set; }

    public Exception? Failure { get; private set; }

    public void Dispose()
    {
        _stop = true;
        _thread.Join(TimeSpan.FromSeconds(5));
    }

    private void Serve()
    {
        try
        {
            while (!_stop)
            {
                if (!ServeReader() && !ServeWriter())
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
    private bool ServeReader()
    {
        var fd = Open(_path, OWrOnly | ONonBlock | OCloExec);
        if (fd < 0)
        {
            return false;
        }
        try
        {
            if (_plan.Take("read nr_hugepages"))
            {
                _plan.Killed.Wait(TimeSpan.FromSeconds(30));
                return true;
            }
            var bytes = Encoding.ASCII.GetBytes(Pages.ToString(CultureInfo.InvariantCulture) + "\n");
            Write(fd, bytes, bytes.Length);
        }
        finally
        {
            Close(fd);
        }
        WaitUntilNoReader();
        return true;
    }

    /// <summary>The reader served last reads to EOF and closes; until then it must not be mistaken for a new one.</summary>
    private void WaitUntilNoReader()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!_stop && DateTime.UtcNow < deadline)
        {
            var fd = Open(_path, OWrOnly | ONonBlock | OCloExec);
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
        if (Pid == 0 || !BlockedOpeningForWrite(Pid))
        {
            return false;
        }
        if (_plan.Take("write nr_hugepages"))
        {
            _plan.Killed.Wait(TimeSpan.FromSeconds(30));
            return true;
        }
        var fd = Open(_path, ORdOnly | ONonBlock | OCloExec);
        var text = new StringBuilder();
        var buffer = new byte[64];
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (DateTime.UtcNow < deadline)
            {
                var n = Read(fd, buffer, buffer.Length);
                if (n > 0)
                {
                    text.Append(Encoding.ASCII.GetString(buffer, 0, (int)n));
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
                    throw new IOException($"read {_path}: errno {Marshal.GetLastPInvokeError()}");
                }
            }
        }
        finally
        {
            Close(fd);
        }
        if (text.Length > 0)
        {
            Interlocked.Exchange(ref _pages, long.Parse(text.ToString().Trim(), CultureInfo.InvariantCulture));
        }
        return true;
    }

    private static bool BlockedOpeningForWrite(int pid)
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
                return false;
            }
            var fields = line.Split(' ');
            if (fields.Length < 4 || fields[0] != OpenAt.ToString(CultureInfo.InvariantCulture) || (first is not null && line != first))
            {
                return false;
            }
            var flags = Convert.ToInt64(fields[3], 16);
            if ((flags & 3) != OWrOnly || (flags & OCreat) != 0)
            {
                return false;
            }
            first = line;
            Thread.Sleep(3);
        }
        return true;
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
