using System.Net.Sockets;
using System.Text;

namespace HookDispatcher.Tests.Support;

/// <summary>A bound AF_UNIX datagram socket standing in for journald's; collects what arrives.</summary>
internal sealed class DatagramCatcher : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);

    public DatagramCatcher(string path) => _socket.Bind(new UnixDomainSocketEndPoint(path));

    public IReadOnlyList<string> Received()
    {
        var list = new List<string>();
        var buffer = new byte[1 << 20];
        while (_socket.Available > 0)
        {
            var n = _socket.Receive(buffer);
            list.Add(Encoding.UTF8.GetString(buffer, 0, n));
        }
        return list;
    }

    public void Dispose() => _socket.Dispose();
}
