using HookDispatcher.Host.Systemd;
using Shouldly;

namespace HookDispatcher.Tests.DBus;

/// <summary>Read-only calls against the machine's real system bus, when there is one (not in most containers).</summary>
public sealed class SystemBusSmokeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [Fact]
    public void GetUnitWorksAgainstTheRealSystemd()
    {
        if (!File.Exists("/run/dbus/system_bus_socket"))
        {
            Assert.Skip("no system bus at /run/dbus/system_bus_socket");
        }
        using var bus = BusClient.Connect(BusClient.SystemBusAddress, Timeout);
        var systemd = new SystemdManager(bus);

        var unit = systemd.GetUnit("dbus.service") ?? systemd.GetUnit("dbus-broker.service");

        unit.ShouldNotBeNull();
        systemd.GetStringProperty(unit, "org.freedesktop.systemd1.Unit", "ActiveState").ShouldBe("active");
        systemd.GetUnit("hookdispatcher-does-not-exist.service").ShouldBeNull();
    }
}
