using System.Globalization;
using System.Text;
using HookDispatcher.Host;

namespace HookDispatcher.DBus;

internal sealed partial class DBusConnection
{
    private const int MaxAuthLineLength = 16 * 1024;

    /// <summary>
    /// SASL EXTERNAL: the bus checks our credentials from the socket (SO_PEERCRED) against the uid we claim, sent
    /// as the hex of its decimal digits ("0" → "30").
    /// </summary>
    private void Authenticate(Deadline deadline)
    {
        var uid = LibC.GetEuid().ToString(CultureInfo.InvariantCulture);
        var hexUid = Convert.ToHexStringLower(Encoding.ASCII.GetBytes(uid));
        SendAuthLine($"\0AUTH EXTERNAL {hexUid}", deadline);
        var reply = ReadAuthLine(deadline);
        if (!reply.StartsWith("OK ", StringComparison.Ordinal))
        {
            throw new DBusTransportException(_address, "authenticate to", $"AUTH EXTERNAL {hexUid} answered '{reply}'");
        }
        SendAuthLine("NEGOTIATE_UNIX_FD", deadline);
        reply = ReadAuthLine(deadline);
        UnixFdsNegotiated = reply == "AGREE_UNIX_FD";
        if (!UnixFdsNegotiated && !reply.StartsWith("ERROR", StringComparison.Ordinal))
        {
            throw new DBusTransportException(_address, "authenticate to", $"NEGOTIATE_UNIX_FD answered '{reply}'");
        }
        SendAuthLine("BEGIN", deadline);
    }

    private void SendAuthLine(string line, Deadline deadline) =>
        _socket.Send(Encoding.ASCII.GetBytes(line + "\r\n"), [], deadline);

    private string ReadAuthLine(Deadline deadline)
    {
        while (true)
        {
            var buffered = _rx.AsSpan(_rxStart, _rxEnd - _rxStart);
            var end = buffered.IndexOf("\r\n"u8);
            if (end >= 0)
            {
                var line = Encoding.ASCII.GetString(buffered[..end]);
                _rxStart += end + 2;
                return line;
            }
            if (buffered.Length > MaxAuthLineLength)
            {
                throw new DBusTransportException(_address, "authenticate to", "the bus sent an overlong line");
            }
            if (!Fill(deadline))
            {
                throw new DBusTransportException(_address, "authenticate to", "timed out waiting for the bus");
            }
        }
    }
}
