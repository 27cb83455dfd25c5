using System.Runtime.InteropServices;

namespace HookDispatcher.Tests.Logging;

/// <summary>
/// recvmsg for the test journal: Socket cannot receive SCM_RIGHTS. DllImport rather than LibraryImport because the
/// test project does not allow unsafe code; runtime marshalling of these blittable structs is fine under the JIT.
/// </summary>
internal static class TestSocketNative
{
    public const int SolSocket = 1;
    public const int ScmRights = 1;
    public const int MsgTrunc = 0x20;
    public const int MsgCtrunc = 0x8;
    public const int FGetSeals = 1024 + 10;

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public IntPtr Base;
        public UIntPtr Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public IntPtr Name;
        public uint NameLength;
        public IntPtr Iov;
        public UIntPtr IovLength;
        public IntPtr Control;
        public UIntPtr ControlLength;
        public int Flags;
    }

    [DllImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    public static extern IntPtr RecvMsg(IntPtr socket, ref MsgHdr message, int flags);

    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static extern int Fcntl(int fd, int command, int argument);
}
