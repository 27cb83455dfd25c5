using System.Diagnostics;
using System.Runtime.InteropServices;
using HookDispatcher.Host;

namespace HookDispatcher.Engine;

/// <summary>
/// The one lock under which domains change the host (shared pools: hugepages, AllowedCPUs). flock(2) on
/// <c>stateDir/.lock</c>: the kernel drops it when a holder dies, so a crash never leaves it held.
/// </summary>
internal sealed class StateLock : IDisposable
{
    private int _fd;

    private StateLock(int fd) => _fd = fd;

    public static StateLock Acquire(StateStore store, TimeSpan timeout)
    {
        store.EnsureDirectory();
        var path = Path.Join(store.Directory, ".lock");
        var fd = LibC.Open(path, LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC, 0x180 /* 0600 */);
        if (fd < 0)
        {
            throw new HostIoException("open", path, null, Marshal.GetLastPInvokeError());
        }
        var clock = Stopwatch.StartNew();
        var pause = 5;
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
                throw new StateException(
                    $"Timed out after {timeout.TotalSeconds:0.#} s waiting for '{path}': another hookdispatcher is still changing the host");
            }
            Thread.Sleep(pause);
            pause = Math.Min(pause * 2, 100);
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
