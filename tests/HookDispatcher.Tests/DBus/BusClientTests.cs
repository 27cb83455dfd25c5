using HookDispatcher.Host.Systemd;
using Shouldly;
using Tmds.DBus.Protocol;

namespace HookDispatcher.Tests.DBus;

/// <summary>How calls fail: every failure is one line naming the D-Bus error, or the bus address and the call.</summary>
public sealed class BusClientTests(DBusDaemon bus) : IClassFixture<DBusDaemon>, IDisposable
{
    private const string PeerName = "org.hookdispatcher.TestPeer";
    private static readonly TimeSpan Timeout = TestPeer.Timeout;
    private readonly BusClient _client = BusClient.Connect(bus.Address, Timeout);

    public void Dispose() => _client.Dispose();

    private MessageBuffer Call(string member)
    {
        using var writer = _client.Writer();
        writer.WriteMethodCallHeader(PeerName, "/org/hookdispatcher/TestPeer", "org.hookdispatcher.Test", member, "");
        return writer.CreateMessage();
    }

    [Fact]
    public void AnErrorReplyKeepsItsNameAndMessage()
    {
        using var peer = new TestPeer(bus.Address, PeerName, call =>
        {
            call.ReplyError("org.freedesktop.systemd1.NoSuchUnit", "Unit foo.service not loaded.");
            return true;
        });

        var error = Should.Throw<DBusErrorReplyException>(() => _client.Call(Call("Fail"), "call Fail on"));

        error.ErrorName.ShouldBe("org.freedesktop.systemd1.NoSuchUnit");
        error.Message.ShouldBe("org.freedesktop.systemd1.NoSuchUnit: Unit foo.service not loaded.");
    }

    [Fact]
    public void ACallToANameNobodyOwnsFailsWithTheBusError() =>
        Should.Throw<DBusErrorReplyException>(() => _client.Call(Call("Echo"), "call Echo on"))
            .ErrorName.ShouldBe("org.freedesktop.DBus.Error.ServiceUnknown");

    [Fact]
    public void ASilentPeerMakesTheCallTimeOutNamingTheCallAndTheAddress()
    {
        using var silent = new TestPeer(bus.Address, PeerName, call =>
        {
            call.DisposesAsynchronously = true;
            return true;
        });
        using var impatient = BusClient.Connect(bus.Address, TimeSpan.FromMilliseconds(200));
        using var writer = impatient.Writer();
        writer.WriteMethodCallHeader(PeerName, "/org/hookdispatcher/TestPeer", null, "Nap", "");
        var nap = writer.CreateMessage();

        Should.Throw<TimeoutException>(() => impatient.Call(nap, "call Nap on"))
            .Message.ShouldBe($"Cannot call Nap on '{bus.Address}': no answer within 0.2 s");
    }

    [Fact]
    public void AMissingSocketFailsWithTheAddressAndErrno()
    {
        var address = "unix:path=/nonexistent/hookdispatcher/bus";

        Should.Throw<BusTransportException>(() => BusClient.Connect(address, Timeout))
            .Message.ShouldBe($"Cannot connect to '{address}': ENOENT (No such file or directory)");
    }

    [Fact]
    public void ASocketWithoutAListenerIsRefused()
    {
        using var dir = new Support.TempDir();
        var path = dir.Join("dead-bus");
        // Bound but never listening: connect(2) is refused.
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix,
            System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(path));

        Should.Throw<BusTransportException>(() => BusClient.Connect("unix:path=" + path, Timeout))
            .Message.ShouldBe($"Cannot connect to 'unix:path={path}': Connection refused");
    }
}
