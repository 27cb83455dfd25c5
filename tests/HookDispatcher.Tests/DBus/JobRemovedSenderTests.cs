using HookDispatcher.Host.Systemd;
using Shouldly;
using Tmds.DBus.Protocol;

namespace HookDispatcher.Tests.DBus;

/// <summary>
/// Any client on the system bus can emit a signal named JobRemoved. Only the one sent by the unique name that owns
/// org.freedesktop.systemd1, for the job our call returned, may finish the wait.
/// </summary>
public sealed class JobRemovedSenderTests(DBusDaemon bus) : IClassFixture<DBusDaemon>, IDisposable
{
    private const string Job = "/org/freedesktop/systemd1/job/42";
    private static readonly TimeSpan Timeout = TestPeer.Timeout;
    private readonly BusClient _client = BusClient.Connect(bus.Address, Timeout);

    public void Dispose() => _client.Dispose();

    /// <summary>A systemd that queues the job and sends JobRemoved only when the test says so.</summary>
    private TestPeer StartSlowSystemd() => new(bus.Address, SystemdManager.Destination, call =>
    {
        if (call.Request.MemberAsString == "StartUnit")
        {
            TestPeer.Reply(call, "o", (ref MessageWriter w) => w.WriteObjectPath(Job));
        }
        else
        {
            TestPeer.Reply(call);
        }
        return true;
    });

    private static void JobRemoved(DBusConnection from, string result, string? destination = null) =>
        TestPeer.Emit(from, SystemdManager.Path, SystemdManager.Interface, "JobRemoved", "uoss", (ref MessageWriter w) =>
        {
            w.WriteUInt32(42);
            w.WriteObjectPath(Job);
            w.WriteString("a.service");
            w.WriteString(result);
        }, destination);

    /// <summary>Queues a.service's start job and waits for it on another thread.</summary>
    private Task<string> StartAndWait()
    {
        var manager = new SystemdManager(_client);
        manager.Subscribe();
        var job = manager.StartUnit("a.service", "replace");
        job.ShouldBe(Job);
        return Task.Run(() => manager.WaitForJob(job, Timeout), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task AForgedJobRemovedFromAnotherClientIsIgnoredAndTheRealOneCounts()
    {
        using var systemd = StartSlowSystemd();
        var wait = StartAndWait();
        using var forger = new DBusConnection(bus.Address);
        await forger.ConnectAsync();

        // Broadcast (the bus's match rule should hold it back) and sent to us directly (only the sender check can).
        JobRemoved(forger, "done");
        JobRemoved(forger, "done", destination: _client.Connection.UniqueName);

        (await Task.WhenAny(wait, Task.Delay(500, TestContext.Current.CancellationToken))).ShouldNotBe(wait);
        JobRemoved(systemd.Connection, "failed");
        (await wait.WaitAsync(Timeout, TestContext.Current.CancellationToken)).ShouldBe("failed");
    }

    [Fact]
    public async Task AJobRemovedForAnotherJobDoesNotEndTheWait()
    {
        using var systemd = StartSlowSystemd();
        var wait = StartAndWait();

        TestPeer.Emit(systemd.Connection, SystemdManager.Path, SystemdManager.Interface, "JobRemoved", "uoss", (ref MessageWriter w) =>
        {
            w.WriteUInt32(43);
            w.WriteObjectPath("/org/freedesktop/systemd1/job/43");
            w.WriteString("a.service");
            w.WriteString("done");
        });

        (await Task.WhenAny(wait, Task.Delay(300, TestContext.Current.CancellationToken))).ShouldNotBe(wait);
        JobRemoved(systemd.Connection, "done");
        (await wait.WaitAsync(Timeout, TestContext.Current.CancellationToken)).ShouldBe("done");
    }
}
