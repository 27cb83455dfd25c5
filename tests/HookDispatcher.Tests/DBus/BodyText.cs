using System.Globalization;
using System.Text;
using Tmds.DBus.Protocol;

namespace HookDispatcher.Tests.DBus;

/// <summary>
/// A message body as text, walked by its signature with Tmds' reader: <c>s"system.slice" b1 a[(s"AllowedCPUs" v&lt;ay&gt;[15 1])]</c>.
/// Two bodies with equal text carry the same values of the same types.
/// </summary>
internal static class BodyText
{
    public static string Of(Message message)
    {
        var reader = message.GetBodyReader();
        var text = new StringBuilder();
        var signature = message.SignatureAsString;
        for (var at = 0; at < signature.Length;)
        {
            at = Value(ref reader, signature, at, text);
            text.Append(' ');
        }
        return text.ToString().TrimEnd();
    }

    private static int Value(ref Reader reader, string signature, int at, StringBuilder text)
    {
        var type = signature[at];
        switch (type)
        {
            case 'y': text.Append(CultureInfo.InvariantCulture, $"y{reader.ReadByte()}"); return at + 1;
            case 'b': text.Append(reader.ReadBool() ? "b1" : "b0"); return at + 1;
            case 'u': text.Append(CultureInfo.InvariantCulture, $"u{reader.ReadUInt32()}"); return at + 1;
            case 'i': text.Append(CultureInfo.InvariantCulture, $"i{reader.ReadInt32()}"); return at + 1;
            case 't': text.Append(CultureInfo.InvariantCulture, $"t{reader.ReadUInt64()}"); return at + 1;
            case 'x': text.Append(CultureInfo.InvariantCulture, $"x{reader.ReadInt64()}"); return at + 1;
            case 's': text.Append("s\"").Append(reader.ReadString()).Append('"'); return at + 1;
            case 'o': text.Append("o\"").Append(reader.ReadObjectPathAsString()).Append('"'); return at + 1;
            case 'h': text.Append('h'); reader.ReadHandle<SkipSafeHandle>(); return at + 1;
            case 'v':
                var inner = reader.ReadSignatureAsString();
                text.Append("v<").Append(inner).Append('>');
                Value(ref reader, inner, 0, text);
                return at + 1;
            case 'a':
                var element = signature[at + 1];
                var end = reader.ReadArrayStart(element switch { '(' => DBusType.Struct, '{' => DBusType.DictEntry, _ => (DBusType)element });
                var next = End(signature, at);
                text.Append("a[");
                var first = true;
                while (reader.HasNext(end))
                {
                    text.Append(first ? "" : " ");
                    first = false;
                    Value(ref reader, signature, at + 1, text);
                }
                text.Append(']');
                return next;
            case '(' or '{':
                reader.AlignStruct();
                text.Append(type);
                var field = at + 1;
                while (signature[field] is not (')' or '}'))
                {
                    field = Value(ref reader, signature, field, text);
                    text.Append(signature[field] is ')' or '}' ? "" : " ");
                }
                text.Append(signature[field]);
                return field + 1;
            default:
                throw new NotSupportedException($"BodyText does not read '{type}' yet");
        }
    }

    /// <summary>The index after the complete type starting at <paramref name="at"/>.</summary>
    private static int End(string signature, int at)
    {
        while (signature[at] == 'a')
        {
            at++;
        }
        if (signature[at] is not ('(' or '{'))
        {
            return at + 1;
        }
        var depth = 0;
        do
        {
            depth += signature[at] switch { '(' or '{' => 1, ')' or '}' => -1, _ => 0 };
            at++;
        }
        while (depth > 0);
        return at;
    }
}
