using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace HookDispatcher.Logging;

/// <summary>
/// The systemd-journald native protocol: one datagram of <c>KEY=VALUE\n</c> lines. A value holding a newline would
/// end its line early, so it is framed as <c>KEY\n</c>, a little-endian 64-bit length, the bytes, and <c>\n</c>.
/// </summary>
internal static class JournalEncoder
{
    // journald drops the whole field (not the entry) past this length, so truncating keeps the value.
    public const int MaxNameLength = 64;

    public static byte[] Encode(IEnumerable<(string Name, string Value)> fields)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        foreach (var (rawName, value) in fields)
        {
            var name = SanitizeName(rawName);
            if (name.Length == 0)
            {
                continue;
            }
            Append(buffer, name);
            if (value.Contains('\n', StringComparison.Ordinal))
            {
                buffer.Write("\n"u8);
                var length = Encoding.UTF8.GetByteCount(value);
                BinaryPrimitives.WriteUInt64LittleEndian(buffer.GetSpan(sizeof(ulong)), (ulong)length);
                buffer.Advance(sizeof(ulong));
            }
            else
            {
                buffer.Write("="u8);
            }
            Append(buffer, value);
            buffer.Write("\n"u8);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// journald accepts only <c>[A-Z0-9_]</c> and reserves a leading underscore for fields it sets itself (_PID,
    /// _SYSTEMD_UNIT…); anything else makes it drop the field silently. Returns "" for a name with nothing left.
    /// </summary>
    public static string SanitizeName(string name)
    {
        var chars = new char[name.Length];
        for (var i = 0; i < name.Length; i++)
        {
            var c = char.ToUpperInvariant(name[i]);
            chars[i] = char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) ? c : '_';
        }
        var trimmed = chars.AsSpan().TrimStart('_');
        return new string(trimmed[..Math.Min(trimmed.Length, MaxNameLength)]);
    }

    private static void Append(ArrayBufferWriter<byte> buffer, string text)
    {
        var count = Encoding.UTF8.GetByteCount(text);
        buffer.Advance(Encoding.UTF8.GetBytes(text, buffer.GetSpan(count)));
    }
}
