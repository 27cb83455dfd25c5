using System.Runtime.InteropServices;

namespace HookDispatcher.Host;

// The x86-64/AArch64 Linux layouts of sendmsg(2)'s structures, for the journald sink (it passes a memfd with
// SCM_RIGHTS when an entry is too large for one datagram).

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
