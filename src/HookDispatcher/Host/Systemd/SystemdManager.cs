using Tmds.DBus.Protocol;

namespace HookDispatcher.Host.Systemd;

/// <summary>
/// The org.freedesktop.systemd1.Manager calls the handlers make, typed. Job-returning calls only queue the job: call
/// <see cref="Subscribe"/> before them and <see cref="WaitForJob"/> after, so JobRemoved cannot slip past.
/// </summary>
internal sealed partial class SystemdManager(BusClient bus)
{
    public const string Destination = "org.freedesktop.systemd1";
    public const string Interface = "org.freedesktop.systemd1.Manager";
    public const string Path = "/org/freedesktop/systemd1";
    public const string NoSuchUnitError = "org.freedesktop.systemd1.NoSuchUnit";
    private const string PropertiesInterface = "org.freedesktop.DBus.Properties";

    /// <summary>SetUnitProperties(name, runtime, [AllowedCPUs]); AllowedCPUs is 'ay', an empty mask resets it.</summary>
    public void SetAllowedCpus(string unit, bool runtime, byte[] mask)
    {
        using var writer = Manager("SetUnitProperties", "sba(sv)");
        writer.WriteString(unit);
        writer.WriteBool(runtime);
        var properties = writer.WriteArrayStart(DBusType.Struct);
        writer.WriteStructureStart();
        writer.WriteString("AllowedCPUs");
        writer.WriteSignature("ay");
        writer.WriteArray(mask);
        writer.WriteArrayEnd(properties);
        bus.Call(writer.CreateMessage(), "call SetUnitProperties on");
    }

    /// <summary>
    /// StartTransientUnit(name, mode, properties, aux=[]) for a service running <paramref name="argv"/>, with the
    /// string properties given (Description, Type, …) and ExecStart as 'a(sasb)'. Returns the job path.
    /// </summary>
    public string StartTransientService(string name, string mode, IReadOnlyList<(string Name, string Value)> properties, IReadOnlyList<string> argv)
    {
        using var writer = Manager("StartTransientUnit", "ssa(sv)a(sa(sv))");
        writer.WriteString(name);
        writer.WriteString(mode);
        var all = writer.WriteArrayStart(DBusType.Struct);
        foreach (var (key, value) in properties)
        {
            writer.WriteStructureStart();
            writer.WriteString(key);
            writer.WriteVariantString(value);
        }
        writer.WriteStructureStart();
        writer.WriteString("ExecStart");
        writer.WriteSignature("a(sasb)");
        var commands = writer.WriteArrayStart(DBusType.Struct);
        writer.WriteStructureStart();
        writer.WriteString(argv[0]);
        writer.WriteArray(argv.ToArray());
        writer.WriteBool(false);
        writer.WriteArrayEnd(commands);
        writer.WriteArrayEnd(all);
        writer.WriteArrayEnd(writer.WriteArrayStart(DBusType.Struct));
        return bus.Call(writer.CreateMessage(), ReadObjectPath, "call StartTransientUnit on");
    }

    public string StartUnit(string name, string mode) => UnitJob("StartUnit", name, mode);

    /// <summary>ResetFailedUnit(s): forgets a failed unit's state, which unloads a transient one. Not loaded is fine.</summary>
    public void ResetFailedUnit(string name)
    {
        using var writer = Manager("ResetFailedUnit", "s");
        writer.WriteString(name);
        try
        {
            bus.Call(writer.CreateMessage(), "call ResetFailedUnit on");
        }
        catch (DBusErrorReplyException e) when (e.ErrorName == NoSuchUnitError)
        {
        }
    }

    public string StopUnit(string name, string mode) => UnitJob("StopUnit", name, mode);

    /// <summary>The unit's object path, or null when systemd answers NoSuchUnit (not loaded).</summary>
    public string? GetUnit(string name)
    {
        using var writer = Manager("GetUnit", "s");
        writer.WriteString(name);
        try
        {
            return bus.Call(writer.CreateMessage(), ReadObjectPath, "call GetUnit on");
        }
        catch (DBusErrorReplyException e) when (e.ErrorName == NoSuchUnitError)
        {
            return null;
        }
    }

    /// <summary>A string property of a unit object ("org.freedesktop.systemd1.Unit", "ActiveState").</summary>
    public string GetStringProperty(string unitPath, string @interface, string property) =>
        GetProperty(unitPath, @interface, property, static (message, state) =>
        {
            var reader = message.GetBodyReader();
            Expect(reader.ReadSignatureAsString(), "s", (string)state!);
            return reader.ReadString();
        });

    /// <summary>An 'ay' property of a unit object (AllowedCPUs).</summary>
    public byte[] GetBytesProperty(string unitPath, string @interface, string property) =>
        GetProperty(unitPath, @interface, property, static (message, state) =>
        {
            var reader = message.GetBodyReader();
            Expect(reader.ReadSignatureAsString(), "ay", (string)state!);
            return reader.ReadArrayOfByte();
        });

    private T GetProperty<T>(string unitPath, string @interface, string property, MessageValueReader<T> read)
    {
        using var writer = bus.Writer();
        writer.WriteMethodCallHeader(Destination, unitPath, PropertiesInterface, "Get", "ss");
        writer.WriteString(@interface);
        writer.WriteString(property);
        return bus.Call(writer.CreateMessage(), read, $"read {property} of {unitPath} from", state: $"{property} of {unitPath}");
    }

    private static void Expect(string actual, string expected, string what)
    {
        if (actual != expected)
        {
            throw new DBusUnexpectedValueException($"{what} has signature '{actual}', expected '{expected}'");
        }
    }

    private string UnitJob(string member, string name, string mode)
    {
        using var writer = Manager(member, "ss");
        writer.WriteString(name);
        writer.WriteString(mode);
        return bus.Call(writer.CreateMessage(), ReadObjectPath, $"call {member} on");
    }

    private static string ReadObjectPath(Message message, object? state) => message.GetBodyReader().ReadObjectPathAsString();

    private MessageWriter Manager(string member, string signature)
    {
        var writer = bus.Writer();
        writer.WriteMethodCallHeader(Destination, Path, Interface, member, signature);
        return writer;
    }
}
