using HookDispatcher.DBus;
using HookDispatcher.Values;
using Shouldly;

namespace HookDispatcher.Tests.DBus;

/// <summary>
/// The proxy against a fake systemd that owns org.freedesktop.systemd1 on a private bus; the bodies it records
/// are compared byte for byte with what busctl sends for the same call.
/// </summary>
public sealed class SystemdManagerTests(DBusDaemon bus) : IClassFixture<DBusDaemon>, IDisposable
{
    private static readonly TimeSpan Timeout = TestPeer.Timeout;
    private static readonly ObjectPath Job = new("/org/freedesktop/systemd1/job/42");
    private readonly DBusConnection _client = DBusConnection.Connect(bus.Address, Timeout);

    public void Dispose() => _client.Dispose();

    private TestPeer StartFakeSystemd() => new(bus.Address, SystemdManager.Destination, (call, connection) =>
    {
        var reply = new MessageWriter();
        switch (call.Member)
        {
            case "SetUnitProperties" or "Subscribe":
                connection.SendReturn(call, "", reply, Timeout);
                return true;
            case "StartTransientUnit" or "StopUnit":
                reply.WriteObjectPath(Job);
                connection.SendReturn(call, "o", reply, Timeout);
                EmitJobRemoved(connection, call.GetBodyReader().ReadString(), "done");
                return true;
            case "StartUnit":
                // JobRemoved before the reply: the client must queue it while it waits for the job path.
                EmitJobRemoved(connection, call.GetBodyReader().ReadString(), "failed");
                reply.WriteObjectPath(Job);
                connection.SendReturn(call, "o", reply, Timeout);
                return true;
            case "GetUnit":
                var name = call.GetBodyReader().ReadString();
                if (name != "libvirtd.service")
                {
                    connection.SendError(call, SystemdManager.NoSuchUnitError, $"Unit {name} not loaded.", Timeout);
                    return true;
                }
                reply.WriteObjectPath(new ObjectPath("/org/freedesktop/systemd1/unit/libvirtd_2eservice"));
                connection.SendReturn(call, "o", reply, Timeout);
                return true;
            case "Get":
                reply.WriteVariant(DBusVariant.String("active"));
                connection.SendReturn(call, "v", reply, Timeout);
                return true;
            default:
                return false;
        }
    });

    private static void EmitJobRemoved(DBusConnection connection, string unit, string result)
    {
        var body = new MessageWriter();
        body.WriteUInt32(41);
        body.WriteObjectPath(new ObjectPath("/org/freedesktop/systemd1/job/41"));
        body.WriteString("other.service");
        body.WriteString("done");
        connection.EmitSignal(SystemdManager.Path, SystemdManager.Interface, "JobRemoved", "uoss", body, Timeout);
        body = new MessageWriter();
        body.WriteUInt32(42);
        body.WriteObjectPath(Job);
        body.WriteString(unit);
        body.WriteString(result);
        connection.EmitSignal(SystemdManager.Path, SystemdManager.Interface, "JobRemoved", "uoss", body, Timeout);
    }

    [Fact]
    public void SetUnitPropertiesSendsTheSameBodyAsBusctl()
    {
        using var systemd = StartFakeSystemd();
        Busctl.Call(bus.Address, SystemdManager.Destination, SystemdManager.Path.Value, SystemdManager.Interface,
            "SetUnitProperties", "sba(sv)", "system.slice", "true", "1", "AllowedCPUs", "ay", "2", "15", "1");

        new SystemdManager(_client, Timeout).SetUnitProperties("system.slice", true,
            [UnitProperties.AllowedCpus(CpuSet.Parse("0-3,8"))]);

        var (fromBusctl, fromUs) = (systemd.Calls[0], systemd.Calls[1]);
        fromUs.Signature.ShouldBe("sba(sv)");
        fromBusctl.Signature.ShouldBe(fromUs.Signature);
        fromUs.Body.ShouldBe(fromBusctl.Body);
    }

    [Fact]
    public void StartTransientUnitSendsTheSameBodyAsBusctl()
    {
        using var systemd = StartFakeSystemd();
        const string hookctl = "/usr/local/bin/hookctl";
        var output = Busctl.Call(bus.Address, SystemdManager.Destination, SystemdManager.Path.Value, SystemdManager.Interface,
            "StartTransientUnit", "ssa(sv)a(sa(sv))", "hookdispatcher-inhibit-win11.service", "replace",
            "3", "Description", "s", "Hold the sleep inhibitor for win11",
            "ExecStart", "a(sasb)", "1", hookctl, "3", hookctl, "inhibit-hold", "win11", "false",
            "Type", "s", "simple",
            "0");

        var job = new SystemdManager(_client, Timeout).StartTransientUnit("hookdispatcher-inhibit-win11.service", "replace",
        [
            UnitProperties.String("Description", "Hold the sleep inhibitor for win11"),
            UnitProperties.ExecStart(new ExecCommand(hookctl, [hookctl, "inhibit-hold", "win11"])),
            UnitProperties.String("Type", "simple"),
        ], []);

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
        var manager = new SystemdManager(_client, Timeout);
        manager.Subscribe();

        var started = manager.StartUnit("a.service", "replace");
        manager.WaitForJob(started, Timeout).ShouldBe("failed");

        var stopped = manager.StopUnit("a.service", "replace");
        manager.WaitForJob(stopped, Timeout).ShouldBe("done");
        systemd.Calls.Select(c => c.Member).ShouldBe(["Subscribe", "StartUnit", "StopUnit"]);
    }

    [Fact]
    public void WaitingForAJobWithoutSubscribingFirstIsRefused() =>
        Should.Throw<InvalidOperationException>(() => new SystemdManager(_client, Timeout).WaitForJob(Job, Timeout));

    [Fact]
    public void AJobThatNeverEndsTimesOutNamingTheJob()
    {
        using var systemd = StartFakeSystemd();
        var manager = new SystemdManager(_client, Timeout);
        manager.Subscribe();

        Should.Throw<TimeoutException>(() => manager.WaitForJob(new ObjectPath("/org/freedesktop/systemd1/job/7"),
            TimeSpan.FromMilliseconds(200))).Message.ShouldContain("/org/freedesktop/systemd1/job/7");
    }

    [Fact]
    public void GetUnitGivesThePathOrNullForNoSuchUnit()
    {
        using var systemd = StartFakeSystemd();
        var manager = new SystemdManager(_client, Timeout);

        manager.GetUnit("libvirtd.service").ShouldBe(new ObjectPath("/org/freedesktop/systemd1/unit/libvirtd_2eservice"));
        manager.GetUnit("nope.service").ShouldBeNull();
    }

    [Fact]
    public void AUnitPropertyComesBackAsAVariant()
    {
        using var systemd = StartFakeSystemd();

        var state = new SystemdManager(_client, Timeout)
            .GetUnitProperty(new ObjectPath("/org/freedesktop/systemd1/unit/x"), "org.freedesktop.systemd1.Unit", "ActiveState");

        state.ShouldBe(DBusVariant.String("active"));
        systemd.Calls.ShouldHaveSingleItem().ShouldSatisfyAllConditions(
            c => c.Interface.ShouldBe("org.freedesktop.DBus.Properties"),
            c => c.Signature.ShouldBe("ss"));
    }
}
