using System.Runtime.InteropServices;

namespace HookDispatcher.DBus;

/// <summary>
/// A variant ('v'): one complete type and a value in the object model <see cref="MessageWriter.WriteValue"/> and
/// <see cref="MessageReader.ReadValue"/> share — y byte, b bool, n short, q ushort, i int, u uint, x long, t ulong,
/// d double, s string, o <see cref="ObjectPath"/>, g <see cref="DBus.Signature"/>, h <see cref="SafeHandle"/>,
/// v <see cref="DBusVariant"/>, ay byte[], a{kv} KeyValuePair&lt;object, object&gt;[], other arrays object[],
/// structs object[] (a value tuple also writes as a struct).
/// </summary>
internal sealed record DBusVariant
{
    public DBusVariant(string signature, object value)
    {
        if (!DBus.Signature.IsSingleCompleteType(signature))
        {
            throw new ArgumentException($"A variant holds exactly one complete type, not '{signature}'", nameof(signature));
        }
        Signature = signature;
        Value = value;
    }

    public string Signature { get; }

    public object Value { get; }

    public static DBusVariant Byte(byte value) => new("y", value);

    public static DBusVariant Bool(bool value) => new("b", value);

    public static DBusVariant Int32(int value) => new("i", value);

    public static DBusVariant UInt32(uint value) => new("u", value);

    public static DBusVariant Int64(long value) => new("x", value);

    public static DBusVariant UInt64(ulong value) => new("t", value);

    public static DBusVariant Double(double value) => new("d", value);

    public static DBusVariant String(string value) => new("s", value);

    public static DBusVariant Path(ObjectPath value) => new("o", value);

    public static DBusVariant Bytes(byte[] value) => new("ay", value);

    public static DBusVariant Strings(IReadOnlyList<string> value) => new("as", value.Cast<object>().ToArray());

    public override string ToString() => $"{Signature} {Value}";
}
