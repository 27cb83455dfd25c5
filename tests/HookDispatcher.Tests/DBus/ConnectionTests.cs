using HookDispatcher.DBus;
using Shouldly;

namespace HookDispatcher.Tests.DBus;

public sealed class ConnectionTests(DBusDaemon bus) : IClassFixture<DBusDaemon>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [Fact]
    public void HelloGivesAUniqueNameAndUnixFdsAreAgreed()
    {
        using var connection = DBusConnection.Connect(bus.Address, Timeout);

        connection.UniqueName.ShouldStartWith(":1.");
        connection.UnixFdsNegotiated.ShouldBeTrue();
    }
}
