using System.Text;

namespace HookDispatcher.Host;

/// <summary>The real host file system under a root directory ("/" in production).</summary>
internal sealed class HostFs(string root) : IHostFs
{
    public string Root { get; } = root;

    public string Resolve(string absolutePath) =>
        Root == "/" ? absolutePath : Path.Join(Root, absolutePath.TrimStart('/'));

    public bool Exists(string absolutePath)
    {
        var path = Resolve(absolutePath);
        return File.Exists(path) || Directory.Exists(path);
    }

    public string ReadText(string absolutePath)
    {
        var path = Resolve(absolutePath);
        try
        {
            // Unbuffered (bufferSize 0): reads go straight to read(2), pipes and other unseekable files included.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
            return ReadToEnd(stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HostIoException("read", path, null, e is FileNotFoundException or DirectoryNotFoundException ? Errno.ENOENT : 0, e);
        }
    }

    /// <summary>
    /// The whole file as UTF-8 text (a leading byte order mark dropped, as File.ReadAllText does). Kernel attribute
    /// files are a page at most and procfs reports size 0, so it reads until end of file into a page on the stack and
    /// allocates only the string: a dry run reads dozens of them, and File.ReadAllText's reader, buffers and builder
    /// (~20 KB of fresh heap each) were a tenth of its time.
    /// </summary>
    private static string ReadToEnd(FileStream stream)
    {
        Span<byte> page = stackalloc byte[4096];
        var length = Fill(stream, page);
        if (length < page.Length)
        {
            return Decode(page[..length]);
        }
        var buffer = new byte[page.Length * 4];
        page.CopyTo(buffer);
        int read;
        while ((read = Fill(stream, buffer.AsSpan(length))) > 0)
        {
            length += read;
            if (length == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }
        }
        return Decode(buffer.AsSpan(0, length));
    }

    /// <summary>Reads until <paramref name="span"/> is full or the file ends.</summary>
    private static int Fill(FileStream stream, Span<byte> span)
    {
        var total = 0;
        int read;
        while (total < span.Length && (read = stream.Read(span[total..])) > 0)
        {
            total += read;
        }
        return total;
    }

    private static string Decode(ReadOnlySpan<byte> bytes) =>
        Encoding.UTF8.GetString(bytes.StartsWith(Encoding.UTF8.Preamble) ? bytes[3..] : bytes);

    public unsafe void WriteText(string absolutePath, string value)
    {
        var path = Resolve(absolutePath);
        // sysfs acts on the first write(2) of a buffer, so the value goes out in one call. O_TRUNC is ignored by
        // sysfs/procfs and keeps a copied tree (tests, simulations) holding exactly the last value written.
        // Kernel attribute files are never symlinks (their directories may be: devices/0000:01:00.0, driver), so a
        // symlink in the last place is a trap to write root's value elsewhere: O_NOFOLLOW refuses it with ELOOP.
        var fd = LibC.Open(path, LibC.O_WRONLY | LibC.O_TRUNC | LibC.O_CLOEXEC | LibC.O_NOFOLLOW, 0);
        if (fd < 0)
        {
            throw new HostIoException("write", path, value, System.Runtime.InteropServices.Marshal.GetLastPInvokeError());
        }
        try
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            fixed (byte* p = bytes)
            {
                var written = LibC.Write(fd, p, bytes.Length);
                if (written < 0)
                {
                    throw new HostIoException("write", path, value, System.Runtime.InteropServices.Marshal.GetLastPInvokeError());
                }
            }
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    public string? ReadLink(string absolutePath)
    {
        var path = Resolve(absolutePath);
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HostIoException("read link", path, null, 0, e);
        }
    }

    public IReadOnlyList<string> ListDirectory(string absolutePath)
    {
        var path = Resolve(absolutePath);
        try
        {
            var names = Directory.EnumerateFileSystemEntries(path).Select(Path.GetFileName).OfType<string>().ToList();
            names.Sort(StringComparer.Ordinal);
            return names;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HostIoException("list", path, null, e is DirectoryNotFoundException ? Errno.ENOENT : 0, e);
        }
    }
}
