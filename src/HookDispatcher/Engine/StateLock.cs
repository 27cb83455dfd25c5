using System.Diagnostics;
using System.Runtime.InteropServices;
using HookDispatcher.Host;

namespace HookDispatcher.Engine;

/// <summary>
/// flock(2) on a file in the state directory: the kernel drops it when a holder dies, so a crash never leaves it
/// held. Two kinds (the concurrency model is written down on <see cref="Executor"/>):
/// <list type="bullet">
/// <item><see cref="ForHost"/>, <c>stateDir/.lock</c>: the one lock for what domains share (the ledger of every
/// state file, hugepage pools, AllowedCPUs, IRQ and workqueue masks, cpufreq): held only for a short
/// read-modify-write, never across a script, a device wait, a module load or a systemd job.</item>
/// <item><see cref="ForDomain"/>, <c>stateDir/.&lt;domain&gt;.lock</c>: keeps one domain's events (and
/// <c>hookctl release/forget</c> of it) in order; held for the whole event. Taken before the host lock, never
/// while holding it.</item>
/// </list>
/// </summary>
internal sealed class StateLock : IDisposable
{
    private int _fd;

    private StateLock(int fd) => _fd = fd;

    public static StateLock ForHost(StateStore store, TimeSpan timeout) =>
        Acquire(store, ".lock", timeout, "another hookdispatcher is still changing what domains share");

    public static StateLock ForDomain(StateStore store, string domain, TimeSpan timeout)
    {
        // PathOf refuses a name that could lead out of the state directory.
        var name = "." + Path.GetFileNameWithoutExtension(store.PathOf(domain)) + ".lock";
        return Acquire(store, name, timeout, $"another event of domain {domain} is still running");
    }

    private static StateLock Acquire(StateStore store, string name, TimeSpan timeout, string holder)
    {
        store.EnsureDirectory();
        var path = Path.Join(store.Directory, name);
        var fd = LibC.Open(path, LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC, 0x180 /* 0600 */);
        if (fd < 0)
        {
            throw new HostIoException("open", path, null, Marshal.GetLastPInvokeError());
        }
        var clock = Stopwatch.StartNew();
        var pause = 1;
        while (LibC.Flock(fd, LibC.LOCK_EX | LibC.LOCK_NB) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.EWOULDBLOCK && errno != Errno.EINTR)
            {
                LibC.Close(fd);
                throw new HostIoException("lock", path, null, errno);
            }
            if (clock.Elapsed >= timeout)
            {
                LibC.Close(fd);
                throw new StateException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for '{path}': {holder}");
            }
            Thread.Sleep(pause);
            pause = Math.Min(pause * 2, 50);
        }
        return new StateLock(fd);
    }

    public void Dispose()
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
        {
            LibC.Close(fd);
        }
    }
}
