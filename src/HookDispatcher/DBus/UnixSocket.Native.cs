using System.Runtime.InteropServices;
using HookDispatcher.Host;

namespace HookDispatcher.DBus;

internal sealed unsafe partial class UnixSocket
{
    private const int AfUnix = 1;
    private const int SockStream = 1;
    private const int SockNonBlock = 0x800;
    private const int SockCloexec = 0x80000;
    private const int SolSocket = 1;
    private const int ScmRights = 1;
    private const int MsgNoSignal = 0x4000;
    private const int MsgCtrunc = 0x8;
    private const int MsgCmsgCloexec = 0x40000000;
    private const short PollIn = 0x1;
    private const short PollOut = 0x4;
    private const int SunPathLength = 108;
    private const int MaxFdsPerMessage = 253;
    private const int CmsgHeaderLength = 16;

    private static int ControlSpace(int fdCount) => CmsgHeaderLength + ((fdCount * sizeof(int) + 7) & ~7);




    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    private static partial int Connect(int socket, byte* address, uint addressLength);

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    private static partial nint SendMsg(int socket, MsgHdr* message, int flags);

    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    private static partial nint RecvMsg(int socket, MsgHdr* message, int flags);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);
}
