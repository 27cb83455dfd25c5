using HookDispatcher.Host.Systemd;
using HookDispatcher.Values;
using Shouldly;
using Tmds.DBus.Protocol;

namespace HookDispatcher.Tests.DBus;

/// <summary>
/// The typed calls against a fake systemd that owns org.freedesktop.systemd1 on a private bus; the bodies it records
/// are compared value for value, type for type, with what busctl sends for the same call.
/// </summary>
public sealed class SystemdManagerTests(DBusDaemon bus) : IClassFixture<DBusDaemon>, IDisposable
{
    private static readonly TimeSpan Timeout = TestPeer.Timeout;
    private const string Job = "/org/freedesktop/systemd1/job/42";
    private readonly BusClient _client = BusClient.Connect(bus.Address, Timeout);

    public void Dispose() => _client.Dispose();

    private TestPeer StartFakeSystemd() => new(bus.Address, SystemdManager.Destination, call =>
    {
        var request = call.Request;
        switch (request.MemberAsString)
        {
            case "SetUnitProperties" or "Subscribe":
                TestPeer.Reply(call);
                return true;
            case "StartTransientUnit" or "StopUnit":
                TestPeer.Reply(call, "o", (ref MessageWriter w) => w.WriteObjectPath(Job));
                EmitJobRemoved(call.Connection, request.GetBodyReader().ReadString(), "done");
                return true;
            case "StartUnit":
                // JobRemoved before the reply: the client must keep it while it waits for the job path.
                EmitJobRemoved(call.Connection, request.GetBodyReader().ReadString(), "failed");
                TestPeer.Reply(call, "o", (ref MessageWriter w) => w.WriteObjectPath(Job));
                return true;
            case "GetUnit":
                var name = request.GetBodyReader().ReadString();
                if (name != "libvirtd.service")
                {
                    call.ReplyError(SystemdManager.NoSuchUnitError, $"Unit {name} not loaded.");
                    return true;
                }
                TestPeer.Reply(call, "o", (ref MessageWriter w) => w.WriteObjectPath("/org/freedesktop/systemd1/unit/libvirtd_2eservice"));
                return true;
            case "Get":
                TestPeer.Reply(call, "v", (ref MessageWriter w) => w.WriteVariantString("active"));
                return true;
            default:
                return false;
        }
    });

    /// <summary>JobRemoved for job 41 (another unit's), then for job 42 (ours) with <paramref name="result"/>.</summary>
    private static void EmitJobRemoved(DBusConnection connection, string unit, string result, string? destination = null)
    {
        JobRemoved(connection, 41, "other.service", "done", destination);
        JobRemoved(connection, 42, unit, result, destination);
    }

    private static void JobRemoved(DBusConnection connection, uint id, string unit, string result, string? destination = null) =>
        TestPeer.Emit(connection, SystemdManager.Path, SystemdManager.Interface, "JobRemoved", "uoss", (ref MessageWriter w) =>
        {
            w.WriteUInt32(id);
            w.WriteObjectPath(FormattableString.Invariant($"/org/freedesktop/systemd1/job/{id}"));
            w.WriteString(unit);
            w.WriteString(result);
        }, destination);

    [Fact]
    public void SetUnitPropertiesSendsTheSameBodyAsBusctl()
    {
        using var systemd = StartFakeSystemd();
        Busctl.Call(bus.Address, SystemdManager.Destination, SystemdManager.Path, SystemdManager.Interface,
            "SetUnitProperties", "sba(sv)", "system.slice", "true", "1", "AllowedCPUs", "ay", "2", "15", "1");

        new SystemdManager(_client).SetAllowedCpus("system.slice", true, CpuSet.Parse("0-3,8").ToMask());

        var (fromBusctl, fromUs) = (systemd.Calls[0], systemd.Calls[1]);
        fromUs.Signature.ShouldBe("sba(sv)");
        fromBusctl.Signature.ShouldBe(fromUs.Signature);
        fromUs.Body.ShouldBe("""s"system.slice" b1 a[(s"AllowedCPUs" v<ay>a[y15 y1])]""");
        fromUs.Body.ShouldBe(fromBusctl.Body);
    }

    [Fact]
    public void AnEmptyAllowedCpusMaskIsAnEmptyByteArray()
    {
        using var systemd = StartFakeSystemd();

        new SystemdManager(_client).SetAllowedCpus("user.slice", true, CpuSet.Empty.ToMask());

        systemd.Calls.ShouldHaveSingleItem().Body.ShouldBe("""s"user.slice" b1 a[(s"AllowedCPUs" v<ay>a[])]""");
    }

    [Fact]
    public void StartTransientUnitSendsTheSameBodyAsBusctl()
    {
        using var systemd = StartFakeSystemd();
        const string hookctl = "/usr/local/bin/hookctl";
        var output = Busctl.Call(bus.Address, SystemdManager.Destination, SystemdManager.Path, SystemdManager.Interface,
            "StartTransientUnit", "ssa(sv)a(sa(sv))", "hookdispatcher-inhibit-win11.service", "replace",
            "3", "Description", "s", "Hold the sleep inhibitor for win11",
            "Type", "s", "simple",
            "ExecStart", "a(sasb)", "1", hookctl, "3", hookctl, "inhibit-hold", "win11", "false",
            "0");

        var job = new SystemdManager(_client).StartTransientService("hookdispatcher-inhibit-win11.service", "replace",
            [("Description", "Hold the sleep inhibitor for win11"), ("Type", "simple")], [hookctl, "inhibit-hold", "win11"]);

        output.Trim().ShouldBe($"o \"{Job}\"");
        job.ShouldBe(Job);
        var (fromBusctl, fromUs) = (systemd.Calls[0], systemd.Calls[1]);
        fromUs.Signature.ShouldBe("ssa(sv)a(sa(sv))");
        fromBusctl.Signature.ShouldBe(fromUs.Signature);
        fromUs.Body.ShouldBe(fromBusctl.Body);
    }

    [Fact]
    public void AJobIsAwaitedThroughJobRemovedEvenWhenTheSignalBeatsTheReply()
    {
        using var systemd = StartFakeSystemd();
        var manager = new SystemdManager(_client);
        manager.Subscribe();

        var started = manager.StartUnit("a.service", "replace");
        manager.WaitForJob(started, Timeout).ShouldBe("failed");

        var stopped = manager.StopUnit("a.service", "replace");
        manager.WaitForJob(stopped, Timeout).ShouldBe("done");
        systemd.Calls.Select(c => c.Member).ShouldBe(["Subscribe", "StartUnit", "StopUnit"]);
    }

    [Fact]
    public void WaitingForAJobWithoutSubscribingFirstIsRefused() =>
        Should.Throw<InvalidOperationException>(() => new SystemdManager(_client).WaitForJob(Job, Timeout));

    [Fact]
    public void AJobThatNeverEndsTimesOutNamingTheJob()
    {
        using var systemd = StartFakeSystemd();
        var manager = new SystemdManager(_client);
        manager.Subscribe();

        Should.Throw<TimeoutException>(() => manager.WaitForJob("/org/freedesktop/systemd1/job/7", TimeSpan.FromMilliseconds(200)))
            .Message.ShouldContain("/org/freedesktop/systemd1/job/7");
    }

    [Fact]
    public void GetUnitGivesThePathOrNullForNoSuchUnit()
    {
        using var systemd = StartFakeSystemd();
        var manager = new SystemdManager(_client);

        manager.GetUnit("libvirtd.service").ShouldBe("/org/freedesktop/systemd1/unit/libvirtd_2eservice");
        manager.GetUnit("nope.service").ShouldBeNull();
    }

    [Fact]
    public void AUnitPropertyIsReadThroughPropertiesGet()
    {
        using var systemd = StartFakeSystemd();

        var state = new SystemdManager(_client).GetStringProperty("/org/freedesktop/systemd1/unit/x", "org.freedesktop.systemd1.Unit", "ActiveState");

        state.ShouldBe("active");
        systemd.Calls.ShouldHaveSingleItem().ShouldSatisfyAllConditions(
            c => c.Interface.ShouldBe("org.freedesktop.DBus.Properties"),
            c => c.Path.ShouldBe("/org/freedesktop/systemd1/unit/x"),
            c => c.Body.ShouldBe("""s"org.freedesktop.systemd1.Unit" s"ActiveState" """.TrimEnd()));
    }

    [Fact]
    public void APropertyOfTheWrongTypeIsRefusedNamingBothSignatures()
    {
        using var systemd = StartFakeSystemd();

        Should.Throw<DBusUnexpectedValueException>(() => new SystemdManager(_client)
                .GetBytesProperty("/org/freedesktop/systemd1/unit/x", "org.freedesktop.systemd1.Slice", "AllowedCPUs"))
            .Message.ShouldBe("AllowedCPUs of /org/freedesktop/systemd1/unit/x has signature 's', expected 'ay'");
    }

    /// <summary>A systemd that queues a.service's start job and sends JobRemoved only when the test says so.</summary>
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

    /// <summary>Queues a.service's start job and waits for it on another thread.</summary>
    private Task<string> StartAndWait()
    {
        var manager = new SystemdManager(_client);
        manager.Subscribe();
        var job = manager.StartUnit("a.service", "replace");
        job.ShouldBe(Job);
        return Task.Run(() => manager.WaitForJob(job, Timeout), TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// Any client on the system bus can emit a signal named JobRemoved; only the one sent by the unique name that owns
    /// org.freedesktop.systemd1 may finish the wait.
    /// </summary>
    [Fact]
    public async Task AForgedJobRemovedFromAnotherClientIsIgnoredAndTheRealOneCounts()
    {
        using var systemd = StartSlowSystemd();
        var wait = StartAndWait();
        using var forger = new DBusConnection(bus.Address);
        await forger.ConnectAsync();

        // Broadcast (the bus's match rule holds it back) and sent to us directly (only the sender check can).
        EmitJobRemoved(forger, "a.service", "done");
        EmitJobRemoved(forger, "a.service", "done", destination: _client.Connection.UniqueName);

        (await Task.WhenAny(wait, Task.Delay(500, TestContext.Current.CancellationToken))).ShouldNotBe(wait);
        EmitJobRemoved(systemd.Connection, "a.service", "failed");
        (await wait.WaitAsync(Timeout, TestContext.Current.CancellationToken)).ShouldBe("failed");
    }

    [Fact]
    public async Task AJobRemovedForAnotherJobDoesNotEndTheWait()
    {
        using var systemd = StartSlowSystemd();
        var wait = StartAndWait();

        JobRemoved(systemd.Connection, 43, "a.service", "done");

        (await Task.WhenAny(wait, Task.Delay(300, TestContext.Current.CancellationToken))).ShouldNotBe(wait);
        JobRemoved(systemd.Connection, 42, "a.service", "done");
        (await wait.WaitAsync(Timeout, TestContext.Current.CancellationToken)).ShouldBe("done");
    }
}
