using System.Runtime.InteropServices;

namespace HookDispatcher.Host;

/// <summary>errno values the dispatcher meets at sysfs/procfs and sockets, rendered as "EBUSY (Device or resource busy)".</summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int ENOSPC = 28;
    public const int EBADF = 9;
    public const int ENFILE = 23;
    public const int EMFILE = 24;
    public const int EPIPE = 32;
    public const int ENOSYS = 38;
    public const int ELOOP = 40;
    public const int EMSGSIZE = 90;
    public const int ENOBUFS = 105;
    public const int ECONNRESET = 104;
    public const int ECONNREFUSED = 111;
    public const int EWOULDBLOCK = EAGAIN;

    public static string Name(int errno) => errno switch
    {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        EINTR => "EINTR",
        EIO => "EIO",
        EAGAIN => "EAGAIN",
        ENOMEM => "ENOMEM",
        EACCES => "EACCES",
        EBUSY => "EBUSY",
        EEXIST => "EEXIST",
        ENODEV => "ENODEV",
        ELOOP => "ELOOP",
        EINVAL => "EINVAL",
        ENOSPC => "ENOSPC",
        EBADF => "EBADF",
        ENFILE => "ENFILE",
        EMFILE => "EMFILE",
        EPIPE => "EPIPE",
        ENOSYS => "ENOSYS",
        EMSGSIZE => "EMSGSIZE",
        ENOBUFS => "ENOBUFS",
        ECONNRESET => "ECONNRESET",
        ECONNREFUSED => "ECONNREFUSED",
        _ => $"errno {errno}",
    };

    public static string Describe(int errno) => $"{Name(errno)} ({Marshal.GetPInvokeErrorMessage(errno)})";
}
