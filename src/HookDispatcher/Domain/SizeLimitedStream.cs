namespace HookDispatcher.Domain;

/// <summary>
/// A read-only view of a stream that fails as soon as more than <c>limit</c> bytes arrive, so a runaway writer on
/// stdin cannot make the hook buffer unbounded input. It never asks the inner stream for more than limit + 1 bytes.
/// </summary>
internal sealed class SizeLimitedStream(Stream inner, long limit, Func<Exception> onExceeded) : Stream
{
    private long _total;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _total;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var allowed = (int)Math.Min(buffer.Length, limit + 1 - _total);
        var read = inner.Read(buffer[..allowed]);
        _total += read;
        return _total > limit ? throw onExceeded() : read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
