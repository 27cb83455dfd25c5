using System.Runtime.InteropServices;

namespace HookDispatcher.Host;

/// <summary>Owner, group and permission bits of a file.</summary>
internal sealed record FileOwner(uint Uid, uint Gid, uint Mode)
{
    public override string ToString() => FormattableString.Invariant($"uid {Uid}, gid {Gid}, mode {Convert.ToString(Mode, 8).PadLeft(4, '0')}");
}

/// <summary>
/// Files the hook creates or hands to a user (the Looking Glass <c>/dev/shm</c> file, the kvmfr device node):
/// created, re-owned and removed under the host root. <c>/dev/shm</c> is writable by everyone, so a name there may
/// be a symlink a user planted to have root re-own another file: every call opens with O_NOFOLLOW, acts on that
/// descriptor only, and refuses anything but a regular file (or, where asked for, a character device).
/// </summary>
internal sealed unsafe class OwnedFiles(IHostFs fs)
{
    private const int StatSize = 144;
    private const int ModeOffset = 24;
    private const int UidOffset = 28;
    private const int GidOffset = 32;
    private const uint TypeMask = 0xF000;
    private const uint RegularType = 0x8000;
    private const uint CharDeviceType = 0x2000;

    /// <summary>The file's owner and mode; null when it does not exist.</summary>
    /// <param name="device">A character device is what is expected (/dev/kvmfr0), and a regular file is refused.</param>
    public FileOwner? Stat(string absolutePath, bool device = false)
    {
        var path = fs.Resolve(absolutePath);
        var fd = Open(path, device);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == Errno.ENOENT ? null : throw new HostIoException("open", path, null, errno);
        }
        try
        {
            return Checked(fd, path, device);
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    /// <summary>Creates the file (it must not exist) with <paramref name="owner"/> and <paramref name="size"/> bytes.</summary>
    public void Create(string absolutePath, FileOwner owner, long size)
    {
        var path = fs.Resolve(absolutePath);
        var fd = LibC.Open(path, LibC.O_RDWR | LibC.O_CREAT | LibC.O_EXCL | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw new HostIoException("create", path, null, Marshal.GetLastPInvokeError());
        }
        try
        {
            Own(fd, path, owner);
            Check(LibC.Ftruncate(fd, size), FormattableString.Invariant($"give {size} bytes to"), path, null);
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    /// <summary>Gives the existing regular file (character device with <paramref name="device"/>) <paramref name="owner"/>'s owner, group and mode.</summary>
    public void SetOwner(string absolutePath, FileOwner owner, bool device = false)
    {
        var path = fs.Resolve(absolutePath);
        var fd = Open(path, device);
        if (fd < 0)
        {
            throw new HostIoException("open", path, null, Marshal.GetLastPInvokeError());
        }
        try
        {
            Checked(fd, path, device);
            Own(fd, path, owner);
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    /// <summary>Removes the file; one already gone is fine.</summary>
    public void Delete(string absolutePath)
    {
        var path = fs.Resolve(absolutePath);
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HostIoException("remove", path, null, 0, e);
        }
    }

    /// <summary>
    /// Opening a device node calls its driver's open(); kvmfr has none (its file operations are ioctl and mmap), and
    /// O_NONBLOCK keeps any other driver from waiting in it.
    /// </summary>
    private static int Open(string path, bool device) =>
        LibC.Open(path, LibC.O_RDONLY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC | (device ? LibC.O_NONBLOCK : 0), 0);

    private static FileOwner Checked(int fd, string path, bool device)
    {
        var buffer = stackalloc byte[StatSize];
        Check(LibC.Fstat(fd, buffer), "stat", path, null);
        var mode = *(uint*)(buffer + ModeOffset);
        var wanted = device ? CharDeviceType : RegularType;
        if ((mode & TypeMask) != wanted)
        {
            throw new HostIoException("use", path, null, 0, new IOException(device
                ? "not a character device (a symlink there is never followed)"
                : "not a regular file (a symlink or device there is never followed)"));
        }
        return new FileOwner(*(uint*)(buffer + UidOffset), *(uint*)(buffer + GidOffset), mode & 0xFFF);
    }

    private static void Own(int fd, string path, FileOwner owner)
    {
        Check(LibC.Fchown(fd, owner.Uid, owner.Gid), FormattableString.Invariant($"give uid {owner.Uid}, gid {owner.Gid} to"), path, null);
        Check(LibC.Fchmod(fd, owner.Mode), $"give mode {Convert.ToString(owner.Mode, 8).PadLeft(4, '0')} to", path, null);
    }

    private static void Check(int result, string operation, string path, string? value)
    {
        if (result != 0)
        {
            throw new HostIoException(operation, path, value, Marshal.GetLastPInvokeError());
        }
    }
}
