using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace HookDispatcher.Tests.Logging;

/// <summary>A stand-in for journald: an AF_UNIX datagram socket in a temp directory that accepts memfds too.</summary>
internal sealed class JournalTestServer : IDisposable
{
    // Bigger than any AF_UNIX datagram the kernel lets through at default buffer sizes.
    private const int DatagramBufferSize = 4 * 1024 * 1024;
    private const int ControlBufferSize = 64;

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("hookdispatcher-journal-");
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);

    public JournalTestServer()
    {
        SocketPath = Path.Combine(_directory.FullName, "socket");
        _socket.Bind(new UnixDomainSocketEndPoint(SocketPath));
    }

    public string SocketPath { get; }

    /// <summary>Closes the socket but leaves its file, so senders get ECONNREFUSED as from a dead journald.</summary>
    public void StopListening() => _socket.Dispose();

    public JournalEntry Receive()
    {
        if (!_socket.Poll(TimeSpan.FromSeconds(5), SelectMode.SelectRead))
        {
            throw new TimeoutException($"Nothing arrived on '{SocketPath}' within 5 s");
        }
        var data = Marshal.AllocHGlobal(DatagramBufferSize);
        var control = Marshal.AllocHGlobal(ControlBufferSize);
        var iov = Marshal.AllocHGlobal(Marshal.SizeOf<TestSocketNative.IoVec>());
        try
        {
            Marshal.StructureToPtr(new TestSocketNative.IoVec { Base = data, Length = DatagramBufferSize }, iov, false);
            var message = new TestSocketNative.MsgHdr
            {
                Iov = iov,
                IovLength = 1,
                Control = control,
                ControlLength = ControlBufferSize,
            };
            var received = (int)TestSocketNative.RecvMsg(_socket.Handle, ref message, 0);
            if (received < 0)
            {
                throw new IOException($"recvmsg on '{SocketPath}' failed: errno {Marshal.GetLastPInvokeError()}");
            }
            if ((message.Flags & (TestSocketNative.MsgTrunc | TestSocketNative.MsgCtrunc)) != 0)
            {
                throw new IOException($"recvmsg on '{SocketPath}' truncated the datagram (flags {message.Flags})");
            }
            if ((int)message.ControlLength == 0)
            {
                var bytes = new byte[received];
                Marshal.Copy(data, bytes, 0, received);
                return new JournalEntry(JournalProtocolParser.Parse(bytes), ViaMemfd: false, Seals: 0);
            }
            if (received != 0)
            {
                throw new IOException($"A memfd came with {received} bytes of datagram; journald expects none");
            }
            return ReadMemfd(control);
        }
        finally
        {
            Marshal.FreeHGlobal(iov);
            Marshal.FreeHGlobal(control);
            Marshal.FreeHGlobal(data);
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        _directory.Delete(recursive: true);
    }

    // cmsghdr on 64-bit Linux: u64 length, i32 level, i32 type, then the fds.
    private static JournalEntry ReadMemfd(IntPtr control)
    {
        var level = Marshal.ReadInt32(control, 8);
        var type = Marshal.ReadInt32(control, 12);
        if (level != TestSocketNative.SolSocket || type != TestSocketNative.ScmRights ||
            Marshal.ReadInt64(control) != 16 + sizeof(int))
        {
            throw new IOException($"Expected one SCM_RIGHTS fd, got level {level}, type {type}");
        }
        using var memfd = new SafeFileHandle(Marshal.ReadInt32(control, 16), ownsHandle: true);
        var seals = TestSocketNative.Fcntl((int)memfd.DangerousGetHandle(), TestSocketNative.FGetSeals, 0);
        // The sender's writes moved the shared file offset to the end; read from 0 explicitly.
        var payload = new byte[RandomAccess.GetLength(memfd)];
        var read = 0;
        while (read < payload.Length)
        {
            read += RandomAccess.Read(memfd, payload.AsSpan(read), read);
        }
        return new JournalEntry(JournalProtocolParser.Parse(payload), ViaMemfd: true, seals);
    }
}
