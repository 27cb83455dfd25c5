using System.Runtime.InteropServices;
using System.Text;
using HookDispatcher.Host;

namespace HookDispatcher.Logging;

/// <summary>
/// The memfd hand-over journald accepts for entries larger than one datagram: System.Net.Sockets cannot send
/// SCM_RIGHTS, so this goes through libc.
/// </summary>
internal static unsafe class JournalNative
{
    private const uint MfdCloexec = 0x1;
    private const uint MfdAllowSealing = 0x2;
    private const int FAddSeals = 1024 + 9;
    private const int FSealSeal = 0x1;
    private const int FSealShrink = 0x2;
    private const int FSealGrow = 0x4;
    private const int FSealWrite = 0x8;
    private const int SolSocket = 1;
    private const int ScmRights = 1;
    private const ushort AfUnix = 1;
    private const int MsgNoSignal = 0x4000;
    private const int SunPathLength = 108;
    private const int Eintr = 4;

    /// <summary>
    /// Writes <paramref name="payload"/> into a sealed memfd and sends it as the only descriptor of an empty datagram
    /// to <paramref name="socketPath"/>. journald refuses an unsealed memfd, because the sender could still change it
    /// while it is being read.
    /// </summary>
    public static void SendSealedMemfd(SafeHandle socket, string socketPath, ReadOnlySpan<byte> payload)
    {
        var fd = LibC.MemfdCreate("journal", MfdAllowSealing | MfdCloexec);
        if (fd < 0)
        {
            throw Failure("memfd_create(\"journal\")");
        }
        try
        {
            WriteAll(fd, payload);
            if (LibC.Fcntl(fd, FAddSeals, FSealShrink | FSealGrow | FSealWrite | FSealSeal) < 0)
            {
                throw Failure("fcntl(F_ADD_SEALS) on the journal memfd");
            }
            SendFd(socket, socketPath, fd);
        }
        finally
        {
            // Once sendmsg returns, the queued datagram holds its own reference to the memfd.
            _ = LibC.Close(fd);
        }
    }

    private static void WriteAll(int fd, ReadOnlySpan<byte> payload)
    {
        fixed (byte* start = payload)
        {
            var done = 0;
            while (done < payload.Length)
            {
                var written = LibC.Write(fd, start + done, payload.Length - done);
                if (written < 0)
                {
                    if (Marshal.GetLastPInvokeError() == Eintr)
                    {
                        continue;
                    }
                    throw Failure(FormattableString.Invariant($"write of {payload.Length} bytes to the journal memfd"));
                }
                done += (int)written;
            }
        }
    }

    private static void SendFd(SafeHandle socket, string socketPath, int fd)
    {
        var path = Encoding.UTF8.GetBytes(socketPath);
        if (path.Length >= SunPathLength)
        {
            throw new JournalException($"Cannot send to '{socketPath}': path longer than {SunPathLength - 1} bytes");
        }
        var address = stackalloc byte[sizeof(ushort) + SunPathLength];
        new Span<byte>(address, sizeof(ushort) + SunPathLength).Clear();
        *(ushort*)address = AfUnix;
        path.CopyTo(new Span<byte>(address + sizeof(ushort), SunPathLength));

        // CMSG_SPACE(sizeof(int)) on 64-bit Linux: 16-byte cmsghdr, 4-byte fd, padded to 8.
        var control = stackalloc byte[24];
        new Span<byte>(control, 24).Clear();
        var header = (CmsgHdr*)control;
        header->Length = (nuint)(sizeof(CmsgHdr) + sizeof(int));
        header->Level = SolSocket;
        header->Type = ScmRights;
        *(int*)(control + sizeof(CmsgHdr)) = fd;

        var message = new MsgHdr
        {
            Name = address,
            NameLength = (uint)(sizeof(ushort) + path.Length),
            Control = control,
            ControlLength = 24,
        };

        var added = false;
        try
        {
            socket.DangerousAddRef(ref added);
            while (LibC.SendMsg(socket.DangerousGetHandle(), &message, MsgNoSignal) < 0)
            {
                if (Marshal.GetLastPInvokeError() != Eintr)
                {
                    throw Failure($"sendmsg of a memfd to '{socketPath}'");
                }
            }
        }
        finally
        {
            if (added)
            {
                socket.DangerousRelease();
            }
        }
    }

    private static JournalException Failure(string call)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new JournalException($"{call} failed: {Host.Errno.Describe(errno)}");
    }
}
