namespace HookDispatcher.DBus;

/// <summary>
/// org.freedesktop.systemd1.Manager, hand-written. Job-returning calls only queue the job: call
/// <see cref="Subscribe"/> before them and <see cref="WaitForJob"/> after, so JobRemoved cannot slip past.
/// </summary>
internal sealed partial class SystemdManager(DBusConnection connection, TimeSpan callTimeout)
{
    public const string Destination = "org.freedesktop.systemd1";
    public const string Interface = "org.freedesktop.systemd1.Manager";
    public const string NoSuchUnitError = "org.freedesktop.systemd1.NoSuchUnit";
    private const string PropertiesInterface = "org.freedesktop.DBus.Properties";
    public static readonly ObjectPath Path = new("/org/freedesktop/systemd1");

    /// <summary>SetUnitProperties(s name, b runtime, a(sv) properties); runtime=true is lost at reboot.</summary>
    public void SetUnitProperties(string unit, bool runtime, IReadOnlyList<(string Name, DBusVariant Value)> properties)
    {
        var call = Manager("SetUnitProperties", "sba(sv)");
        call.Body.WriteString(unit);
        call.Body.WriteBool(runtime);
        call.Body.WritePropertyArray(properties);
        connection.Call(call, callTimeout).Dispose();
    }

    /// <summary>StartTransientUnit(s name, s mode, a(sv) properties, a(sa(sv)) aux) → o job.</summary>
    public ObjectPath StartTransientUnit(string name, string mode, IReadOnlyList<(string Name, DBusVariant Value)> properties,
        IReadOnlyList<(string Name, IReadOnlyList<(string Name, DBusVariant Value)> Properties)> aux)
    {
        var call = Manager("StartTransientUnit", "ssa(sv)a(sa(sv))");
        call.Body.WriteString(name);
        call.Body.WriteString(mode);
        call.Body.WritePropertyArray(properties);
        var start = call.Body.WriteArrayStart('(');
        foreach (var (auxName, auxProperties) in aux)
        {
            call.Body.WriteStructStart();
            call.Body.WriteString(auxName);
            call.Body.WritePropertyArray(auxProperties);
        }
        call.Body.WriteArrayEnd(start);
        return CallForJob(call);
    }

    public ObjectPath StartUnit(string name, string mode) => UnitJob("StartUnit", name, mode);

    public ObjectPath StopUnit(string name, string mode) => UnitJob("StopUnit", name, mode);

    /// <summary>The unit's object path, or null when systemd answers NoSuchUnit (not loaded).</summary>
    public ObjectPath? GetUnit(string name)
    {
        var call = Manager("GetUnit", "s");
        call.Body.WriteString(name);
        try
        {
            using var reply = connection.Call(call, callTimeout);
            return reply.GetBodyReader("o").ReadObjectPath();
        }
        catch (DBusErrorException e) when (e.ErrorName == NoSuchUnitError)
        {
            return null;
        }
    }

    /// <summary>org.freedesktop.DBus.Properties.Get on a unit object ("org.freedesktop.systemd1.Unit", "ActiveState").</summary>
    public DBusVariant GetUnitProperty(ObjectPath unit, string @interface, string property)
    {
        var call = new MethodCall(Destination, unit, PropertiesInterface, "Get", "ss");
        call.Body.WriteString(@interface);
        call.Body.WriteString(property);
        using var reply = connection.Call(call, callTimeout);
        return reply.GetBodyReader("v").ReadVariant();
    }

    private ObjectPath UnitJob(string member, string name, string mode)
    {
        var call = Manager(member, "ss");
        call.Body.WriteString(name);
        call.Body.WriteString(mode);
        return CallForJob(call);
    }

    private ObjectPath CallForJob(MethodCall call)
    {
        using var reply = connection.Call(call, callTimeout);
        return reply.GetBodyReader("o").ReadObjectPath();
    }

    private static MethodCall Manager(string member, string signature) =>
        new(Destination, Path, Interface, member, signature);
}
