using System.IO.Pipes;
using HookDispatcher.DBus;
using Shouldly;

namespace HookDispatcher.Tests.DBus;

public sealed class PeerTests(DBusDaemon bus) : IClassFixture<DBusDaemon>, IDisposable
{
    private const string PeerName = "org.hookdispatcher.TestPeer";
    private static readonly TimeSpan Timeout = TestPeer.Timeout;
    private static readonly ObjectPath PeerPath = new("/org/hookdispatcher/TestPeer");
    private readonly DBusConnection _client = DBusConnection.Connect(bus.Address, Timeout);

    public void Dispose() => _client.Dispose();

    private TestPeer StartPeer() => new(bus.Address, PeerName, (call, connection) =>
    {
        switch (call.Member)
        {
            case "Echo":
                // Decode into the object model and encode again: both directions of every type cross the bus.
                var values = call.GetBodyReader().ReadValues(call.Signature);
                var body = new MessageWriter();
                body.WriteValues(call.Signature, values);
                connection.SendReturn(call, call.Signature, body, Timeout);
                return true;
            case "Fail":
                connection.SendError(call, "org.freedesktop.systemd1.NoSuchUnit", "Unit foo.service not loaded.", Timeout);
                return true;
            case "WriteToFd":
                using (var fd = call.GetBodyReader("h").ReadUnixFd())
                using (var stream = new FileStream(fd, FileAccess.Write))
                {
                    stream.Write("pong"u8);
                }
                connection.SendReturn(call, "", new MessageWriter(), Timeout);
                return true;
            case "GiveFd":
                using (var pipe = new AnonymousPipeServerStream(PipeDirection.Out))
                {
                    pipe.Write("ping"u8);
                    var reply = new MessageWriter();
                    reply.WriteUnixFd(pipe.ClientSafePipeHandle);
                    connection.SendReturn(call, "h", reply, Timeout);
                }
                return true;
            default:
                return false;
        }
    });

    private MethodCall Call(string member, string signature = "") => new(PeerName, PeerPath, "org.hookdispatcher.Test", member, signature);

    public static TheoryData<string, object> EveryType() => new()
    {
        { "y", (byte)255 },
        { "b", true },
        { "n", short.MinValue },
        { "q", ushort.MaxValue },
        { "i", int.MinValue },
        { "u", uint.MaxValue },
        { "x", long.MinValue },
        { "t", ulong.MaxValue },
        { "d", -0.125 },
        { "s", "win 11/ü 中" },
        { "o", new ObjectPath("/org/freedesktop/systemd1/job/42") },
        { "g", new Signature("a(sasb)") },
        { "v", DBusVariant.Bytes([0x0F, 0x01]) },
        { "ay", Array.Empty<byte>() },
        { "a(sv)", new object[] { new object[] { "AllowedCPUs", DBusVariant.Bytes([1]) }, new object[] { "X", DBusVariant.Bool(false) } } },
        { "a{sv}", new[] { new KeyValuePair<object, object>("k", new DBusVariant("a{ya(ii)}", new[] { new KeyValuePair<object, object>((byte)1, new object[] { new object[] { 2, 3 } }) })) } },
        { "(ytsad)", new object[] { (byte)1, 2ul, "three", new object[] { 4.0, 5.5 } } },
        { "aaa(yt)", new object[] { new object[] { Array.Empty<object>(), new object[] { new object[] { (byte)9, 10ul } } } } },
    };

    [Theory]
    [MemberData(nameof(EveryType))]
    public void EveryTypeSurvivesARoundTripThroughAPeer(string signature, object value)
    {
        using var peer = StartPeer();
        var call = Call("Echo", "y" + signature + "y");
        call.Body.WriteValues(call.Signature, (byte)0xAA, value, (byte)0x55);

        using var reply = _client.Call(call, Timeout);

        reply.Signature.ShouldBe(call.Signature);
        reply.Body.ToArray().ShouldBe(call.Body.ToArray());
        var values = reply.GetBodyReader().ReadValues(reply.Signature);
        DBusValues.DeepEqual(values[1], value).ShouldBeTrue();
    }

    [Fact]
    public void AnErrorReplyBecomesDBusErrorExceptionWithNameAndMessage()
    {
        using var peer = StartPeer();

        var error = Should.Throw<DBusErrorException>(() => _client.Call(Call("Fail"), Timeout));

        error.ErrorName.ShouldBe("org.freedesktop.systemd1.NoSuchUnit");
        error.Message.ShouldBe("org.freedesktop.systemd1.NoSuchUnit: Unit foo.service not loaded.");
    }

    [Fact]
    public void ACallToANameNobodyOwnsFailsWithTheBusError() =>
        Should.Throw<DBusErrorException>(() => _client.Call(Call("Echo"), Timeout))
            .ErrorName.ShouldBe("org.freedesktop.DBus.Error.ServiceUnknown");

    [Fact]
    public void ADescriptorSentByTheClientArrivesAtThePeer()
    {
        using var peer = StartPeer();
        using var pipe = new AnonymousPipeServerStream(PipeDirection.In);
        var call = Call("WriteToFd", "h");
        call.Body.WriteUnixFd(pipe.ClientSafePipeHandle);

        _client.Call(call, Timeout).Dispose();
        pipe.DisposeLocalCopyOfClientHandle();

        using var reader = new StreamReader(pipe);
        reader.ReadToEnd().ShouldBe("pong");
    }

    [Fact]
    public void ADescriptorInAReplyIsHandedToTheCaller()
    {
        using var peer = StartPeer();

        using var reply = _client.Call(Call("GiveFd"), Timeout);
        using var fd = reply.GetBodyReader("h").ReadUnixFd();

        fd.IsInvalid.ShouldBeFalse();
        using var reader = new StreamReader(new FileStream(fd, FileAccess.Read));
        reader.ReadToEnd().ShouldBe("ping");
    }

    [Fact]
    public void WaitingForASignalThatNeverComesEndsAtTheTimeout()
    {
        _client.AddMatch("type='signal',interface='org.hookdispatcher.Nothing'", Timeout);
        var started = Environment.TickCount64;

        _client.WaitForSignal(m => m.Interface == "org.hookdispatcher.Nothing", TimeSpan.FromMilliseconds(200)).ShouldBeNull();

        (Environment.TickCount64 - started).ShouldBeInRange(150, 3000);
    }

    [Fact]
    public void ASilentPeerMakesTheCallTimeOutNamingTheAddress()
    {
        using var silent = DBusConnection.Connect(bus.Address, Timeout);
        silent.RequestName("org.hookdispatcher.Silent", 4, Timeout);

        var error = Should.Throw<DBusTransportException>(() => _client.Call(
            new MethodCall("org.hookdispatcher.Silent", PeerPath, null, "Nap"), TimeSpan.FromMilliseconds(200)));

        error.Message.ShouldContain(bus.Address);
        error.Message.ShouldContain("timed out");
    }

    [Fact]
    public void AMissingSocketFailsWithTheAddressAndErrno()
    {
        var address = "unix:path=/nonexistent/hookdispatcher/bus";

        var error = Should.Throw<DBusTransportException>(() => DBusConnection.Connect(address, Timeout));

        error.Message.ShouldBe($"Cannot connect to '{address}': ENOENT (No such file or directory)");
        error.Errno.ShouldBe(2);
    }

    [Fact]
    public void ASocketWithoutAListenerIsRefusedNamingTheErrno()
    {
        using var dir = new Support.TempDir();
        var path = dir.Join("dead-bus");
        // Bound but never listening: connect(2) is refused.
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix,
            System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(path));

        Should.Throw<DBusTransportException>(() => DBusConnection.Connect("unix:path=" + path, Timeout))
            .Message.ShouldBe($"Cannot connect to 'unix:path={path}': ECONNREFUSED (Connection refused)");
    }
}
