using System.Runtime.InteropServices;
using HookDispatcher.Host;

namespace HookDispatcher.Rules;

/// <summary>
/// Owner, mode and size of a path, and its canonical form. .NET exposes the mode but not the owner, and
/// Path.GetFullPath does not resolve symlinks in parent directories, hence libc. Offsets are x86_64 struct stat.
/// </summary>
internal static unsafe class RuleFileStat
{
    public const uint TypeMask = 0xF000; // S_IFMT
    public const uint Directory = 0x4000; // S_IFDIR
    public const uint Regular = 0x8000; // S_IFREG

    private const int StatSize = 144;
    private const int ModeOffset = 24;
    private const int UidOffset = 28;
    private const int SizeOffset = 48;
    private const int ChangeTimeOffset = 104; // st_ctim.tv_sec, then tv_nsec

    /// <summary>stat(2), following symlinks. Returns null on success, else the errno name.</summary>
    public static string? TryStat(string path, out uint mode, out uint uid, out long size)
    {
        var buffer = stackalloc byte[StatSize];
        mode = uid = 0;
        size = 0;
        if (LibC.Stat(path, buffer) != 0)
        {
            return ErrnoName(Marshal.GetLastPInvokeError());
        }
        mode = *(uint*)(buffer + ModeOffset);
        uid = *(uint*)(buffer + UidOffset);
        size = *(long*)(buffer + SizeOffset);
        return null;
    }

    /// <summary>
    /// The inode change time of the path itself (lstat(2), so a symlink's own): when it was created, renamed into
    /// place or had its mode changed. Unlike the modification time, no <c>cp -p</c> or <c>touch</c> can set it back.
    /// Returns null on success, else the errno name.
    /// </summary>
    public static string? TryChangeTime(string path, out DateTime changedUtc)
    {
        var buffer = stackalloc byte[StatSize];
        changedUtc = default;
        if (LibC.Lstat(path, buffer) != 0)
        {
            return ErrnoName(Marshal.GetLastPInvokeError());
        }
        var seconds = *(long*)(buffer + ChangeTimeOffset);
        var nanoseconds = *(long*)(buffer + ChangeTimeOffset + 8);
        changedUtc = DateTime.UnixEpoch.AddSeconds(seconds).AddTicks(nanoseconds / 100);
        return null;
    }

    /// <summary>realpath(3): every symlink resolved. Returns null on success, else the errno name.</summary>
    public static string? TryRealPath(string path, out string resolved)
    {
        resolved = path;
        var result = LibC.RealPath(path, 0);
        if (result == 0)
        {
            return ErrnoName(Marshal.GetLastPInvokeError());
        }
        try
        {
            resolved = Marshal.PtrToStringUTF8(result) ?? path;
            return null;
        }
        finally
        {
            NativeMemory.Free((void*)result);
        }
    }

    public static string Octal(uint mode) => "0" + Convert.ToString(mode & 0xFFF, 8);

    private static string ErrnoName(int errno) => errno switch
    {
        1 => "EPERM",
        2 => "ENOENT",
        13 => "EACCES",
        20 => "ENOTDIR",
        36 => "ENAMETOOLONG",
        40 => "ELOOP",
        _ => FormattableString.Invariant($"errno {errno}"),
    };
}
