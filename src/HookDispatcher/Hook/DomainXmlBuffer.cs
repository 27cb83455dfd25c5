using HookDispatcher.Domain;

namespace HookDispatcher.Hook;

/// <summary>
/// The domain XML on the hook's stdin, read once (at most one byte over the reader's limit, so an oversized input
/// still fails there) and kept: the planner parses it and the user's scripts get a copy of the same bytes. Nothing
/// is read until someone asks, so events that need no XML never touch stdin.
/// </summary>
internal sealed class DomainXmlBuffer(Func<Stream> source)
{
    private byte[]? _bytes;

    public Stream Open() => new MemoryStream(Bytes(), writable: false);

    public byte[] Bytes()
    {
        if (_bytes is not null)
        {
            return _bytes;
        }
        var buffer = new MemoryStream();
        try
        {
            using var stream = source();
            // A live XML is a few KiB: a chunk on the stack, not a fresh 64 KB array on every event.
            Span<byte> chunk = stackalloc byte[16 * 1024];
            int read;
            while (buffer.Length <= DomainXmlReader.MaxBytes && (read = stream.Read(chunk)) > 0)
            {
                buffer.Write(chunk[..read]);
            }
        }
        catch (IOException)
        {
            // What arrived is kept: a truncated XML fails to parse with a position, as a short one would.
        }
        return _bytes = buffer.ToArray();
    }
}
