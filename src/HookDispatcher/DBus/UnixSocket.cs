using System.Runtime.InteropServices;
using System.Text;
using HookDispatcher.Host;
using Microsoft.Win32.SafeHandles;

namespace HookDispatcher.DBus;

/// <summary>
/// A non-blocking AF_UNIX stream socket through libc, because System.Net.Sockets cannot carry SCM_RIGHTS. Every
/// wait goes through poll(2) against a <see cref="Deadline"/>; failures become <see cref="DBusTransportException"/>
/// naming the bus address and errno.
/// </summary>
internal sealed unsafe partial class UnixSocket : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly string _address;

    private UnixSocket(SafeFileHandle handle, string address)
    {
        _handle = handle;
        _address = address;
    }

    public static UnixSocket Connect(DBusAddress address, Deadline deadline)
    {
        var name = Encoding.UTF8.GetBytes(address.Path ?? address.Abstract!);
        var isAbstract = address.Path is null;
        var pathBytes = name.Length + (isAbstract ? 1 : 0);
        if (pathBytes >= SunPathLength || name.Length == 0)
        {
            throw new DBusTransportException(address.ToString(), "connect to", $"socket path must be 1-{SunPathLength - 2} bytes");
        }
        var sockaddr = stackalloc byte[sizeof(ushort) + SunPathLength];
        new Span<byte>(sockaddr, sizeof(ushort) + SunPathLength).Clear();
        *(ushort*)sockaddr = AfUnix;
        name.CopyTo(new Span<byte>(sockaddr + sizeof(ushort) + (isAbstract ? 1 : 0), name.Length));
        // A path name is NUL-terminated inside sun_path; an abstract name counts exactly its bytes after the NUL.
        var length = (uint)(sizeof(ushort) + pathBytes + (isAbstract ? 0 : 1));

        var fd = Socket(AfUnix, SockStream | SockNonBlock | SockCloexec, 0);
        if (fd < 0)
        {
            throw new DBusTransportException(address.ToString(), "create a socket for", Marshal.GetLastPInvokeError());
        }
        var socket = new UnixSocket(new SafeFileHandle(fd, ownsHandle: true), address.ToString());
        try
        {
            while (Connect(fd, sockaddr, length) < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR)
                {
                    continue;
                }
                if (errno != Errno.EAGAIN || deadline.HasPassed)
                {
                    throw new DBusTransportException(address.ToString(), "connect to", errno);
                }
                // AF_UNIX answers EAGAIN when the listen backlog is full; nothing is in progress, so retry.
                Thread.Sleep(Math.Min(10, deadline.RemainingMilliseconds));
            }
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends all of <paramref name="data"/>; the descriptors travel with the first byte.</summary>
    public void Send(ReadOnlySpan<byte> data, IReadOnlyList<SafeHandle> fds, Deadline deadline)
    {
        if (fds.Count > MaxFdsPerMessage)
        {
            throw new ArgumentException($"At most {MaxFdsPerMessage} descriptors fit in one message, got {fds.Count}");
        }
        var added = new bool[fds.Count];
        try
        {
            var control = stackalloc byte[ControlSpace(Math.Max(fds.Count, 1))];
            var controlLength = fds.Count == 0 ? 0 : ControlSpace(fds.Count);
            if (fds.Count > 0)
            {
                new Span<byte>(control, controlLength).Clear();
                var header = (CmsgHdr*)control;
                header->Length = (nuint)(CmsgHeaderLength + fds.Count * sizeof(int));
                header->Level = SolSocket;
                header->Type = ScmRights;
                for (var i = 0; i < fds.Count; i++)
                {
                    fds[i].DangerousAddRef(ref added[i]);
                    ((int*)(control + CmsgHeaderLength))[i] = (int)fds[i].DangerousGetHandle();
                }
            }
            var sent = 0;
            while (sent < data.Length)
            {
                fixed (byte* start = data[sent..])
                {
                    var iov = new IoVec { Base = start, Length = (nuint)(data.Length - sent) };
                    var message = new MsgHdr { Iov = &iov, IovLength = 1 };
                    if (sent == 0 && controlLength > 0)
                    {
                        message.Control = control;
                        message.ControlLength = (nuint)controlLength;
                    }
                    var n = SendMsg(Fd, &message, MsgNoSignal);
                    if (n >= 0)
                    {
                        sent += (int)n;
                        continue;
                    }
                }
                if (!WaitAfterFailure(PollOut, "send to", deadline))
                {
                    throw new DBusTransportException(_address, "send to", "timed out");
                }
            }
        }
        finally
        {
            for (var i = 0; i < fds.Count; i++)
            {
                if (added[i])
                {
                    fds[i].DangerousRelease();
                }
            }
        }
    }

    /// <summary>
    /// Receives what is available (waiting until the deadline for at least one byte); descriptors that arrive are
    /// appended to <paramref name="fds"/>. Returns 0 when the peer closed the connection, -1 when the deadline passed.
    /// </summary>
    public int Receive(Span<byte> buffer, List<SafeFileHandle> fds, Deadline deadline)
    {
        var controlLength = ControlSpace(MaxFdsPerMessage);
        var control = stackalloc byte[controlLength];
        while (true)
        {
            fixed (byte* start = buffer)
            {
                var iov = new IoVec { Base = start, Length = (nuint)buffer.Length };
                var message = new MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = (nuint)controlLength };
                var n = RecvMsg(Fd, &message, MsgCmsgCloexec);
                if (n >= 0)
                {
                    CollectFds(control, message.ControlLength, fds);
                    if ((message.Flags & MsgCtrunc) != 0)
                    {
                        throw new DBusTransportException(_address, "receive from", "descriptors were truncated (MSG_CTRUNC)");
                    }
                    return (int)n;
                }
            }
            if (!WaitAfterFailure(PollIn, "receive from", deadline))
            {
                return -1;
            }
        }
    }

    public void Dispose() => _handle.Dispose();

    private static void CollectFds(byte* control, nuint length, List<SafeFileHandle> fds)
    {
        var offset = 0;
        while (offset + CmsgHeaderLength <= (int)length)
        {
            var header = (CmsgHdr*)(control + offset);
            if (header->Length < CmsgHeaderLength)
            {
                break;
            }
            if (header->Level == SolSocket && header->Type == ScmRights)
            {
                var count = ((int)header->Length - CmsgHeaderLength) / sizeof(int);
                for (var i = 0; i < count; i++)
                {
                    fds.Add(new SafeFileHandle(((int*)(control + offset + CmsgHeaderLength))[i], ownsHandle: true));
                }
            }
            offset += ((int)header->Length + 7) & ~7;
        }
    }

    /// <summary>
    /// After a failed call: true to retry (EINTR, or EAGAIN and the socket became ready), false once the deadline
    /// passed; any other errno throws.
    /// </summary>
    private bool WaitAfterFailure(short events, string operation, Deadline deadline)
    {
        var errno = Marshal.GetLastPInvokeError();
        if (errno == Errno.EINTR)
        {
            return true;
        }
        if (errno != Errno.EAGAIN)
        {
            throw new DBusTransportException(_address, operation, errno);
        }
        var pollFd = new PollFd { Events = events };
        while (true)
        {
            var timeout = deadline.RemainingMilliseconds;
            if (timeout == 0)
            {
                return false;
            }
            pollFd.Fd = Fd;
            var ready = Poll(&pollFd, 1, timeout);
            if (ready > 0)
            {
                return true;
            }
            if (ready < 0 && Marshal.GetLastPInvokeError() != Errno.EINTR)
            {
                throw new DBusTransportException(_address, $"poll while trying to {operation}", Marshal.GetLastPInvokeError());
            }
        }
    }

    /// <summary>
    /// The raw descriptor. Only the owning connection uses this socket, on one thread, and disposes it last, so the
    /// number cannot be closed and reused while a call is in flight.
    /// </summary>
    private int Fd => _handle.IsClosed
        ? throw new ObjectDisposedException(nameof(UnixSocket), $"The connection to '{_address}' is closed")
        : (int)_handle.DangerousGetHandle();
}
