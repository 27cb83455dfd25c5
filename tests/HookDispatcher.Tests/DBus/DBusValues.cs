using System.Runtime.CompilerServices;
using HookDispatcher.DBus;

namespace HookDispatcher.Tests.DBus;

/// <summary>Deep equality over the reader/writer object model (arrays, dict entries, variants, tuples).</summary>
internal static class DBusValues
{
    public static bool DeepEqual(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (double x, double y) => BitConverter.DoubleToInt64Bits(x) == BitConverter.DoubleToInt64Bits(y),
        (byte[] x, byte[] y) => x.AsSpan().SequenceEqual(y),
        (DBusVariant x, DBusVariant y) => x.Signature == y.Signature && DeepEqual(x.Value, y.Value),
        (KeyValuePair<object, object> x, KeyValuePair<object, object> y) =>
            DeepEqual(x.Key, y.Key) && DeepEqual(x.Value, y.Value),
        (ITuple x, _) => DeepEqual(Enumerable.Range(0, x.Length).Select(i => x[i]).ToArray(), b),
        (System.Collections.IEnumerable x, System.Collections.IEnumerable y) when a is not string && b is not string =>
            x.Cast<object>().ToArray() is var xs && y.Cast<object>().ToArray() is var ys &&
            xs.Length == ys.Length && xs.Zip(ys).All(p => DeepEqual(p.First, p.Second)),
        _ => Equals(a, b),
    };
}
