using System.IO.Pipes;
using HookDispatcher.DBus;
using Shouldly;

namespace HookDispatcher.Tests.DBus;

public sealed class LoginManagerTests(DBusDaemon bus) : IClassFixture<DBusDaemon>, IDisposable
{
    private static readonly TimeSpan Timeout = TestPeer.Timeout;
    private readonly DBusConnection _client = DBusConnection.Connect(bus.Address, Timeout);
    private AnonymousPipeServerStream? _lockPipe;

    public void Dispose()
    {
        _client.Dispose();
        _lockPipe?.Dispose();
    }

    private TestPeer StartFakeLogind() => new(bus.Address, LoginManager.Destination, (call, connection) =>
    {
        var reply = new MessageWriter();
        switch (call.Member)
        {
            case "Inhibit":
                // Like logind: hand out the write end of a FIFO and watch the read end for the lock's release.
                _lockPipe = new AnonymousPipeServerStream(PipeDirection.In);
                reply.WriteUnixFd(_lockPipe.ClientSafePipeHandle);
                connection.SendReturn(call, "h", reply, Timeout);
                _lockPipe.DisposeLocalCopyOfClientHandle();
                return true;
            case "ListInhibitors":
                reply.WriteValue("a(ssssuu)", new object[]
                {
                    new object[] { "sleep", "hookctl", "VM win11 is running", "block", 0u, 1234u },
                    new object[] { "shutdown", "NetworkManager", "clean up", "delay", 0u, 99u },
                });
                connection.SendReturn(call, "a(ssssuu)", reply, Timeout);
                return true;
            default:
                return false;
        }
    });

    [Fact]
    public async Task AnInhibitLockLastsUntilTheReturnedHandleIsDisposed()
    {
        using var logind = StartFakeLogind();

        var handle = new LoginManager(_client, Timeout).Inhibit("sleep", "hookctl", "VM win11 is running", "block");

        handle.IsInvalid.ShouldBeFalse();
        logind.Calls.ShouldHaveSingleItem().Signature.ShouldBe("ssss");
        var cancel = TestContext.Current.CancellationToken;
        var read = _lockPipe!.ReadAsync(new byte[1], cancel).AsTask();
        (await Task.WhenAny(read, Task.Delay(200, cancel))).ShouldNotBe(read);
        handle.Dispose();
        (await read.WaitAsync(Timeout, cancel)).ShouldBe(0);
    }

    [Fact]
    public void ListInhibitorsReadsEveryField()
    {
        using var logind = StartFakeLogind();

        var inhibitors = new LoginManager(_client, Timeout).ListInhibitors();

        inhibitors.ShouldBe([
            new Inhibitor("sleep", "hookctl", "VM win11 is running", "block", 0, 1234),
            new Inhibitor("shutdown", "NetworkManager", "clean up", "delay", 0, 99),
        ]);
    }
}
