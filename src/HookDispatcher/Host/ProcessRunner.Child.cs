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
                if (LibC.Pipe2(pipes + 2 * i, LibC.O_CLOEXEC) != 0)
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
            Check(LibC.SpawnAttrInit(attr));
            Check(LibC.SpawnAttrSetFlags(attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK));
            Check(LibC.SpawnAttrSetPgroup(attr, 0));
            LibC.SigEmptySet(sigset);
            Check(LibC.SpawnAttrSetSigMask(attr, sigset));
            // glibc refuses its two internal real-time signals (32, 33) here; it resets their handlers itself.
            for (var signal = 1; signal <= 64; signal++)
            {
                if (signal is not SIGKILL and not SIGSTOP)
                {
                    LibC.SigAddSet(sigset, signal);
                }
            }
            Check(LibC.SpawnAttrSetSigDefault(attr, sigset));
            Check(LibC.FileActionsInit(actions));
            Check(LibC.FileActionsAddDup2(actions, stdinFile >= 0 ? stdinFile : pipes[0], 0));
            Check(LibC.FileActionsAddDup2(actions, pipes[3], 1));
            Check(LibC.FileActionsAddDup2(actions, pipes[5], 2));
            Check(LibC.FileActionsAddCloseFrom(actions, 3));
            Check(LibC.FileActionsAddChdir(actions, "/"));
            var argv = Strings([request.Executable, .. request.Args], strings);
            var environment = request.Environment ?? CurrentEnvironment();
            var envp = Strings(environment.Select(kv => $"{kv.Key}={kv.Value}").ToList(), strings);
            var error = LibC.PosixSpawn(out var pid, request.Executable, actions, attr, argv, envp);
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
            LibC.FileActionsDestroy(actions);
            LibC.SpawnAttrDestroy(attr);
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
            if (_reaped || LibC.WaitPid(pid, &status, WNOHANG) != pid)
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
            var fds = stackalloc LibC.PollFd[2];
            var count = 0;
            if (_stdout >= 0)
            {
                fds[count++] = new LibC.PollFd { Fd = _stdout, Events = POLLIN };
            }
            if (_stderr >= 0)
            {
                fds[count++] = new LibC.PollFd { Fd = _stderr, Events = POLLIN };
            }
            if (count == 0)
            {
                Thread.Sleep(wait);
                return;
            }
            if (LibC.PollFds(fds, (nuint)count, (int)wait.TotalMilliseconds) <= 0)
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
                var read = LibC.Read(fds[i].Fd, buffer, 16384);
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
            LibC.Kill(-pid, SIGKILL);
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
}
