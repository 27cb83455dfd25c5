using System.Runtime.InteropServices;

namespace HookDispatcher.Host;

// The x86-64/AArch64 Linux layouts of sendmsg(2)/recvmsg(2)'s structures, shared by the D-Bus transport and the
// journald sink (both pass file descriptors with SCM_RIGHTS).

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoVec
{
    public void* Base;
    public nuint Length;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MsgHdr
{
    public void* Name;
    public uint NameLength;
    public IoVec* Iov;
    public nuint IovLength;
    public void* Control;
    public nuint ControlLength;
    public int Flags;
}

[StructLayout(LayoutKind.Sequential)]
internal struct CmsgHdr
{
    public nuint Length;
    public int Level;
    public int Type;
}
