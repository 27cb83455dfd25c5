using Microsoft.Win32.SafeHandles;

namespace HookDispatcher.DBus;

internal sealed partial class DBusConnection
{
    private byte[] _rx = new byte[64 * 1024];
    private int _rxStart;
    private int _rxEnd;

    /// <summary>Descriptors received but not yet claimed by a message, oldest first.</summary>
    private readonly List<SafeFileHandle> _pendingFds = [];

    /// <summary>The next complete message from the socket, or null when the deadline passes first.</summary>
    private Message? ReadMessage(Deadline deadline)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_broken is not null)
        {
            throw new DBusTransportException(_address, "use the connection to", $"it broke earlier: {_broken}");
        }
        try
        {
            while (true)
            {
                var buffered = _rxEnd - _rxStart;
                if (buffered >= MessageFrame.FixedHeaderLength)
                {
                    var length = MessageFrame.FrameLength(_rx.AsSpan(_rxStart, MessageFrame.FixedHeaderLength));
                    if (buffered >= length)
                    {
                        return TakeFrame(length);
                    }
                    Reserve(length);
                }
                if (!Fill(deadline))
                {
                    return null;
                }
            }
        }
        catch (Exception e) when (e is DBusProtocolException or DBusTransportException)
        {
            // The stream position is lost after a bad frame or a failed read; later calls must not read garbage.
            _broken = e.Message;
            throw;
        }
    }

    private Message TakeFrame(int length)
    {
        var frame = _rx.AsSpan(_rxStart, length).ToArray();
        _rxStart += length;
        var declared = ReadDeclaredFdCount(frame);
        if (declared > _pendingFds.Count)
        {
            throw new DBusProtocolException($"A message declares {declared} unix fds but only {_pendingFds.Count} arrived");
        }
        var fds = _pendingFds.GetRange(0, declared).ToArray();
        _pendingFds.RemoveRange(0, declared);
        try
        {
            return MessageFrame.Decode(frame, fds);
        }
        catch
        {
            foreach (var fd in fds)
            {
                fd.Dispose();
            }
            throw;
        }
    }

    /// <summary>The UNIX_FDS field, read before the full decode so the right descriptors are handed to it.</summary>
    private static int ReadDeclaredFdCount(byte[] frame)
    {
        var reader = new MessageReader(frame, frame[0] == (byte)'B');
        reader.ReadUInt32(); // endianness, type, flags, version
        reader.ReadUInt32(); // body length
        reader.ReadUInt32(); // serial
        var end = reader.ReadArrayStart('(');
        while (reader.HasNext(end))
        {
            reader.ReadStructStart();
            var code = reader.ReadByte();
            var signature = reader.ReadSignature();
            if (code == HeaderFields.UnixFdsCode && signature == "u")
            {
                var count = reader.ReadUInt32();
                return count <= 1024 ? (int)count : throw new DBusProtocolException($"A message declares {count} unix fds");
            }
            reader.Skip(signature);
        }
        return 0;
    }

    /// <summary>Reads more bytes into the buffer; false when the deadline passed first.</summary>
    private bool Fill(Deadline deadline)
    {
        if (_rxEnd == _rx.Length)
        {
            Reserve(_rx.Length * 2);
        }
        var n = _socket.Receive(_rx.AsSpan(_rxEnd), _pendingFds, deadline);
        if (n == 0)
        {
            throw new DBusTransportException(_address, "read from", "the bus closed the connection");
        }
        if (n < 0)
        {
            return false;
        }
        _rxEnd += n;
        return true;
    }

    /// <summary>Makes room for <paramref name="length"/> bytes from the start of the unread data.</summary>
    private void Reserve(int length)
    {
        if (_rxStart > 0)
        {
            _rx.AsSpan(_rxStart, _rxEnd - _rxStart).CopyTo(_rx);
            _rxEnd -= _rxStart;
            _rxStart = 0;
        }
        if (length > _rx.Length)
        {
            Array.Resize(ref _rx, length);
        }
    }
}
