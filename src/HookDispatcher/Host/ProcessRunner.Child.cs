using System.Runtime.InteropServices;

namespace HookDispatcher.Host;

internal sealed partial class ProcessRunner
{
    private const short POSIX_SPAWN_SETPGROUP = 0x02;
    private const short POSIX_SPAWN_SETSIGDEF = 0x04;
    private const short POSIX_SPAWN_SETSIGMASK = 0x08;
    private const int SIGKILL = 9;
    private const int SIGSTOP = 19;
    private const int WNOHANG = 1;
    private const short POLLIN = 0x1;

    // glibc x86_64 sizes: posix_spawnattr_t 336, posix_spawn_file_actions_t 80, sigset_t 128; allocated with room.
    private const int OpaqueSize = 512;

    /// <summary>
    /// posix_spawn rather than System.Diagnostics.Process: only it puts the child in a process group of its own
    /// (which a timeout kills whole), resets the signals .NET ignores (SIGPIPE) and closes every other descriptor.
    /// </summary>
    private static unsafe Child Spawn(ProcessRequest request)
    {
        var pipes = stackalloc int[6] { -1, -1, -1, -1, -1, -1 };
        var stdinFile = -1;
        var attr = NativeMemory.AllocZeroed(OpaqueSize);
        var actions = NativeMemory.AllocZeroed(OpaqueSize);
        var sigset = NativeMemory.AllocZeroed(OpaqueSize);
        var strings = new List<nint>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                if (Pipe2(pipes + 2 * i, LibC.O_CLOEXEC) != 0)
                {
                    throw new IOException($"Cannot create a pipe for {request.Executable}: {Errno.Describe(Marshal.GetLastPInvokeError())}");
                }
            }
            if (request.StdinFile is { } file)
            {
                stdinFile = LibC.Open(file, LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
                if (stdinFile < 0)
                {
                    throw new HostIoException("open", file, null, Marshal.GetLastPInvokeError());
                }
            }
            Check(SpawnAttrInit(attr));
            Check(SpawnAttrSetFlags(attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK));
            Check(SpawnAttrSetPgroup(attr, 0));
            SigEmptySet(sigset);
            Check(SpawnAttrSetSigMask(attr, sigset));
            // glibc refuses its two internal real-time signals (32, 33) here; it resets their handlers itself.
            for (var signal = 1; signal <= 64; signal++)
            {
                if (signal is not SIGKILL and not SIGSTOP)
                {
                    SigAddSet(sigset, signal);
                }
            }
            Check(SpawnAttrSetSigDefault(attr, sigset));
            Check(FileActionsInit(actions));
            Check(FileActionsAddDup2(actions, stdinFile >= 0 ? stdinFile : pipes[0], 0));
            Check(FileActionsAddDup2(actions, pipes[3], 1));
            Check(FileActionsAddDup2(actions, pipes[5], 2));
            Check(FileActionsAddCloseFrom(actions, 3));
            Check(FileActionsAddChdir(actions, "/"));
            var argv = Strings([request.Executable, .. request.Args], strings);
            var environment = request.Environment ?? CurrentEnvironment();
            var envp = Strings(environment.Select(kv => $"{kv.Key}={kv.Value}").ToList(), strings);
            var error = PosixSpawn(out var pid, request.Executable, actions, attr, argv, envp);
            if (error != 0)
            {
                throw new IOException($"Cannot run {request.Executable}: {Errno.Describe(error)}");
            }
            var child = new Child(pid, pipes[2], pipes[4]);
            pipes[2] = pipes[4] = -1;
            return child;
        }
        finally
        {
            // The child's ends (and the write end of stdin: EOF at once) are the child's alone now.
            for (var i = 0; i < 6; i++)
            {
                if (pipes[i] >= 0)
                {
                    LibC.Close(pipes[i]);
                }
            }
            if (stdinFile >= 0)
            {
                LibC.Close(stdinFile);
            }
            FileActionsDestroy(actions);
            SpawnAttrDestroy(attr);
            NativeMemory.Free(attr);
            NativeMemory.Free(actions);
            NativeMemory.Free(sigset);
            foreach (var s in strings)
            {
                Marshal.FreeCoTaskMem(s);
            }
        }
    }

    private static Dictionary<string, string> CurrentEnvironment()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            result[(string)entry.Key] = (string?)entry.Value ?? "";
        }
        return result;
    }

    private static unsafe nint* Strings(IReadOnlyList<string> values, List<nint> owned)
    {
        var array = Marshal.AllocCoTaskMem((values.Count + 1) * sizeof(nint));
        owned.Add(array);
        var p = (nint*)array;
        for (var i = 0; i < values.Count; i++)
        {
            p[i] = Marshal.StringToCoTaskMemUTF8(values[i]);
            owned.Add(p[i]);
        }
        p[values.Count] = 0;
        return p;
    }

    private static void Check(int error)
    {
        if (error != 0)
        {
            throw new IOException($"posix_spawn setup failed: {Errno.Describe(error)}");
        }
    }

    /// <summary>A started child: its pid (also its process group) and the read ends of its stdout and stderr.</summary>
    private sealed unsafe class Child(int pid, int stdout, int stderr) : IDisposable
    {
        private int _stdout = stdout;
        private int _stderr = stderr;
        private bool _reaped;

        public bool OutClosed => _stdout < 0;

        public bool ErrClosed => _stderr < 0;

        public bool TryReap(out int exitCode)
        {
            int status;
            exitCode = 0;
            if (_reaped || WaitPid(pid, &status, WNOHANG) != pid)
            {
                return false;
            }
            _reaped = true;
            // Killed by a signal: the shell's convention, 128 + the signal.
            exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);
            return true;
        }

        /// <summary>Waits up to <paramref name="wait"/> for output and hands what arrives to the outputs.</summary>
        public void Pump(ProcessOutput stdoutSink, ProcessOutput stderrSink, TimeSpan wait)
        {
            var fds = stackalloc PollFd[2];
            var count = 0;
            if (_stdout >= 0)
            {
                fds[count++] = new PollFd { Fd = _stdout, Events = POLLIN };
            }
            if (_stderr >= 0)
            {
                fds[count++] = new PollFd { Fd = _stderr, Events = POLLIN };
            }
            if (count == 0)
            {
                Thread.Sleep(wait);
                return;
            }
            if (PollFds(fds, (nuint)count, (int)wait.TotalMilliseconds) <= 0)
            {
                return;
            }
            var buffer = stackalloc byte[16384];
            for (var i = 0; i < count; i++)
            {
                if (fds[i].Revents == 0)
                {
                    continue;
                }
                var isOut = fds[i].Fd == _stdout;
                var read = Read(fds[i].Fd, buffer, 16384);
                if (read > 0)
                {
                    (isOut ? stdoutSink : stderrSink).Append(new ReadOnlySpan<byte>(buffer, (int)read));
                }
                else if (read == 0 || Marshal.GetLastPInvokeError() != Errno.EINTR)
                {
                    CloseOne(ref isOut ? ref _stdout : ref _stderr);
                }
            }
        }

        /// <summary>SIGKILL to the whole group, then reap the child (bounded: a process in D state may linger).</summary>
        public void KillGroup()
        {
            Kill(-pid, SIGKILL);
            Host.Poll.Until(() => _reaped || TryReap(out _), TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(5));
        }

        public void Dispose()
        {
            CloseOne(ref _stdout);
            CloseOne(ref _stderr);
            if (!_reaped)
            {
                KillGroup();
            }
        }

        private static void CloseOne(ref int fd)
        {
            if (fd >= 0)
            {
                LibC.Close(fd);
                fd = -1;
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "posix_spawn", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int PosixSpawn(out int pid, string path, void* fileActions, void* attr, nint* argv, nint* envp);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_init")]
    private static unsafe partial int SpawnAttrInit(void* attr);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_destroy")]
    private static unsafe partial int SpawnAttrDestroy(void* attr);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setflags")]
    private static unsafe partial int SpawnAttrSetFlags(void* attr, short flags);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setpgroup")]
    private static unsafe partial int SpawnAttrSetPgroup(void* attr, int pgroup);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigmask")]
    private static unsafe partial int SpawnAttrSetSigMask(void* attr, void* sigset);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigdefault")]
    private static unsafe partial int SpawnAttrSetSigDefault(void* attr, void* sigset);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_init")]
    private static unsafe partial int FileActionsInit(void* actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_destroy")]
    private static unsafe partial int FileActionsDestroy(void* actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_adddup2")]
    private static unsafe partial int FileActionsAddDup2(void* actions, int fd, int newFd);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addclosefrom_np")]
    private static unsafe partial int FileActionsAddCloseFrom(void* actions, int from);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addchdir_np", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int FileActionsAddChdir(void* actions, string path);

    [LibraryImport("libc", EntryPoint = "sigemptyset")]
    private static unsafe partial int SigEmptySet(void* set);

    [LibraryImport("libc", EntryPoint = "sigaddset")]
    private static unsafe partial int SigAddSet(void* set, int signal);

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    private static unsafe partial int Pipe2(int* fds, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static unsafe partial int PollFds(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    private static unsafe partial int WaitPid(int pid, int* status, int options);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
