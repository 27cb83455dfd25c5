using HookDispatcher.Values;

namespace HookDispatcher.DBus;

/// <summary>Builders for the unit properties whose D-Bus types are easy to get wrong.</summary>
internal static class UnitProperties
{
    /// <summary>AllowedCPUs as 'ay': CPU n is byte n/8, bit n%8; an empty mask resets the restriction.</summary>
    public static (string Name, DBusVariant Value) AllowedCpus(CpuSet cpus) => AllowedCpus(cpus.ToMask());

    public static (string Name, DBusVariant Value) AllowedCpus(byte[] mask) => ("AllowedCPUs", DBusVariant.Bytes(mask));

    /// <summary>ExecStart as 'a(sasb)'.</summary>
    public static (string Name, DBusVariant Value) ExecStart(params IReadOnlyList<ExecCommand> commands) =>
        ("ExecStart", new DBusVariant("a(sasb)", commands
            .Select(c => (object)new object[] { c.Path, c.Argv.Cast<object>().ToArray(), c.IgnoreFailure })
            .ToArray()));

    public static (string Name, DBusVariant Value) String(string name, string value) => (name, DBusVariant.String(value));

    public static (string Name, DBusVariant Value) Bool(string name, bool value) => (name, DBusVariant.Bool(value));
}
