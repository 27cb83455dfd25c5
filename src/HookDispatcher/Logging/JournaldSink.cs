using System.Net.Sockets;
using Serilog.Core;
using Serilog.Debugging;
using Serilog.Events;

namespace HookDispatcher.Logging;

/// <summary>
/// Writes Serilog events to systemd-journald over its native socket, so fields such as LIBVIRT_DOMAIN can be
/// queried with journalctl. It runs inside libvirtd's hook call: nothing here may throw or block for long, because a
/// logging failure must never fail a VM start.
/// </summary>
internal sealed class JournaldSink : ILogEventSink, IDisposable
{
    public const string DefaultSocketPath = "/run/systemd/journal/socket";

    // journald being wedged must not hold a VM start; past this the event goes to the fallback writer.
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(2);

    private readonly string _socketPath;
    private readonly TextWriter _fallback;
    private readonly string _identifier;
    private readonly Lock _gate = new();
    private Socket? _socket;
    private bool _disposed;

    public JournaldSink(string socketPath = DefaultSocketPath, TextWriter? fallback = null,
        string identifier = "hookdispatcher")
    {
        _socketPath = socketPath;
        _fallback = fallback ?? Console.Error;
        _identifier = identifier;
    }

    public void Emit(LogEvent logEvent)
    {
        if (logEvent is null)
        {
            return;
        }
        lock (_gate)
        {
            try
            {
                Send(JournalEncoder.Encode(JournalEntryFormatter.ToFields(logEvent, _identifier)));
            }
            catch (Exception journalFailure)
            {
                SelfLog.WriteLine("Cannot log to journald at {0}: {1}", _socketPath, journalFailure);
                WriteFallback(logEvent);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _socket?.Dispose();
            _socket = null;
        }
    }

    private void Send(byte[] payload)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_socket is null)
        {
            // Unconnected, so a journald restart (new socket inode) needs no reconnect.
            var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.SendTimeout = (int)SendTimeout.TotalMilliseconds;
            _socket = socket;
        }
        try
        {
            _socket.SendTo(payload, new UnixDomainSocketEndPoint(_socketPath));
        }
        // An AF_UNIX datagram cannot exceed the send buffer (about 208 KiB by default); ENOBUFS is the same
        // limit on some kernels. journald takes a bigger entry only as a sealed memfd.
        catch (SocketException e) when (e.SocketErrorCode is SocketError.MessageSize or SocketError.NoBufferSpaceAvailable)
        {
            JournalNative.SendSealedMemfd(_socket.SafeHandle, _socketPath, payload);
        }
    }

    private void WriteFallback(LogEvent logEvent)
    {
        try
        {
            _fallback.WriteLine(JournalEntryFormatter.ToFallbackLine(logEvent, _identifier));
            _fallback.Flush();
        }
        catch (Exception fallbackFailure)
        {
            SelfLog.WriteLine("Cannot write the fallback log line: {0}", fallbackFailure);
        }
    }
}
