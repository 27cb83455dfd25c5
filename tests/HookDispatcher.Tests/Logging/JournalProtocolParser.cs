using System.Buffers.Binary;
using System.Text;

namespace HookDispatcher.Tests.Logging;

/// <summary>Reads the journald native protocol back the way journald does, binary framing included.</summary>
internal static class JournalProtocolParser
{
    public static List<(string Name, string Value)> Parse(ReadOnlySpan<byte> payload)
    {
        var fields = new List<(string Name, string Value)>();
        while (!payload.IsEmpty)
        {
            var lineEnd = payload.IndexOf((byte)'\n');
            if (lineEnd < 0)
            {
                throw new FormatException($"Field without a terminating newline: '{Encoding.UTF8.GetString(payload)}'");
            }
            var line = payload[..lineEnd];
            var equals = line.IndexOf((byte)'=');
            if (equals >= 0)
            {
                fields.Add((Encoding.UTF8.GetString(line[..equals]), Encoding.UTF8.GetString(line[(equals + 1)..])));
                payload = payload[(lineEnd + 1)..];
                continue;
            }
            var rest = payload[(lineEnd + 1)..];
            var length = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(rest));
            var value = rest.Slice(sizeof(ulong), length);
            if (rest[sizeof(ulong) + length] != (byte)'\n')
            {
                throw new FormatException($"Binary field '{Encoding.UTF8.GetString(line)}' not followed by a newline");
            }
            fields.Add((Encoding.UTF8.GetString(line), Encoding.UTF8.GetString(value)));
            payload = rest[(sizeof(ulong) + length + 1)..];
        }
        return fields;
    }
}
