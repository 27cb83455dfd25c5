using System.IO.Pipes;
using HookDispatcher.Host.Systemd;
using Shouldly;
using Tmds.DBus.Protocol;

namespace HookDispatcher.Tests.DBus;

public sealed class LoginManagerTests(DBusDaemon bus) : IClassFixture<DBusDaemon>, IDisposable
{
    private static readonly TimeSpan Timeout = TestPeer.Timeout;
    private readonly BusClient _client = BusClient.Connect(bus.Address, Timeout);
    private AnonymousPipeServerStream? _lockPipe;

    public void Dispose()
    {
        _client.Dispose();
        _lockPipe?.Dispose();
    }

    private TestPeer StartFakeLogind() => new(bus.Address, LoginManager.Destination, call =>
    {
        switch (call.Request.MemberAsString)
        {
            case "Inhibit":
                // Like logind: hand out the write end of a FIFO and watch the read end for the lock's release.
                _lockPipe = new AnonymousPipeServerStream(PipeDirection.In);
                var pipe = _lockPipe;
                TestPeer.Reply(call, "h", (ref MessageWriter w) => w.WriteHandle(pipe.ClientSafePipeHandle));
                _lockPipe.DisposeLocalCopyOfClientHandle();
                return true;
            case "ListInhibitors":
                TestPeer.Reply(call, "a(ssssuu)", (ref MessageWriter w) =>
                {
                    var start = w.WriteArrayStart(DBusType.Struct);
                    foreach (var (what, who, why, mode, uid, pid) in new[]
                    {
                        ("sleep", "hookctl", "VM win11 is running", "block", 0u, 1234u),
                        ("shutdown", "NetworkManager", "clean up", "delay", 0u, 99u),
                    })
                    {
                        w.WriteStructureStart();
                        w.WriteString(what);
                        w.WriteString(who);
                        w.WriteString(why);
                        w.WriteString(mode);
                        w.WriteUInt32(uid);
                        w.WriteUInt32(pid);
                    }
                    w.WriteArrayEnd(start);
                });
                return true;
            default:
                return false;
        }
    });

    [Fact]
    public async Task AnInhibitLockLastsUntilTheReturnedHandleIsDisposed()
    {
        using var logind = StartFakeLogind();

        var handle = new LoginManager(_client).Inhibit("sleep", "hookctl", "VM win11 is running", "block");

        handle.IsInvalid.ShouldBeFalse();
        logind.Calls.ShouldHaveSingleItem().Body.ShouldBe("""s"sleep" s"hookctl" s"VM win11 is running" s"block" """.TrimEnd());
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

        var inhibitors = new LoginManager(_client).ListInhibitors();

        inhibitors.ShouldBe([
            new Inhibitor("sleep", "hookctl", "VM win11 is running", "block", 0, 1234),
            new Inhibitor("shutdown", "NetworkManager", "clean up", "delay", 0, 99),
        ]);
    }
}
