using System.Text;
using System.Text.Json;

namespace HookDispatcher.Rules;

/// <summary>
/// Reads one rule file into a positioned tree. System.Text.Json's deserializer stops at the first problem and drops
/// positions; this keeps the reader strict (no comments, no trailing commas) but remembers where every value is.
/// </summary>
internal sealed class RuleTreeReader
{
    private static readonly JsonReaderOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
        MaxDepth = 64,
    };

    private readonly byte[] _bytes;
    private readonly string _file;
    private readonly List<RuleError> _errors;
    private readonly List<int> _lineStarts = [0];

    private RuleTreeReader(byte[] bytes, string file, List<RuleError> errors)
    {
        _bytes = bytes;
        _file = file;
        _errors = errors;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                _lineStarts.Add(i + 1);
            }
        }
    }

    /// <summary>The file's root value, or null when it is not well-formed JSON (the reason is in errors).</summary>
    public static RuleNode? Read(byte[] bytes, string file, List<RuleError> errors) =>
        new RuleTreeReader(bytes, file, errors).ReadRoot();

    private RuleNode? ReadRoot()
    {
        var start = _bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        if (_bytes.AsSpan(start).Trim(" \t\r\n"u8).IsEmpty)
        {
            Add(start, "file is empty");
            return null;
        }
        var reader = new Utf8JsonReader(_bytes.AsSpan(start), Options);
        var errorOffset = start;
        try
        {
            reader.Read();
            var root = ReadValue(ref reader, start, RulePath.Root);
            errorOffset = start + (int)reader.BytesConsumed;
            // Reading past the root value makes the reader reject trailing garbage.
            reader.Read();
            return root;
        }
        catch (JsonException e)
        {
            var line = (int)(e.LineNumber ?? 0);
            var offset = line < _lineStarts.Count ? _lineStarts[line] + (int)(e.BytePositionInLine ?? 0) : errorOffset;
            Add(line == 0 ? offset + start : offset, StripPosition(e.Message));
            return null;
        }
        catch (InvalidOperationException e)
        {
            // GetString throws this for strings that are not valid UTF-8.
            Add(start + (int)reader.TokenStartIndex, e.Message);
            return null;
        }
    }

    private RuleNode ReadValue(ref Utf8JsonReader reader, int start, string path)
    {
        var offset = start + (int)reader.TokenStartIndex;
        var (line, column) = Position(offset);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var members = new List<RuleMember>();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = reader.GetString()!;
                    var (keyLine, keyColumn) = Position(start + (int)reader.TokenStartIndex);
                    reader.Read();
                    var value = ReadValue(ref reader, start, RulePath.Member(path, name));
                    if (seen.Add(name))
                    {
                        members.Add(new RuleMember(name, keyLine, keyColumn, value));
                    }
                    else
                    {
                        var duplicate = $"duplicate key {RuleNode.Quote(name)}";
                        _errors.Add(new RuleError(_file, keyLine, keyColumn, path, duplicate));
                    }
                }
                return RuleNode.Object(members, _file, line, column);
            case JsonTokenType.StartArray:
                var items = new List<RuleNode>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(ReadValue(ref reader, start, RulePath.Index(path, items.Count)));
                }
                return RuleNode.Array(items, _file, line, column);
            case JsonTokenType.String:
                return RuleNode.Scalar(RuleNodeKind.String, reader.GetString()!, _file, line, column);
            case JsonTokenType.Number:
                var number = Encoding.UTF8.GetString(reader.ValueSpan);
                return RuleNode.Scalar(RuleNodeKind.Number, number, _file, line, column);
            case JsonTokenType.True:
                return RuleNode.Scalar(RuleNodeKind.True, "true", _file, line, column);
            case JsonTokenType.False:
                return RuleNode.Scalar(RuleNodeKind.False, "false", _file, line, column);
            default:
                return RuleNode.Scalar(RuleNodeKind.Null, "null", _file, line, column);
        }
    }

    /// <summary>1-based line and column; the column counts characters, not bytes.</summary>
    private (int Line, int Column) Position(int offset)
    {
        var index = _lineStarts.BinarySearch(offset);
        var line = index >= 0 ? index : ~index - 1;
        var column = 1;
        for (var i = _lineStarts[line]; i < offset && i < _bytes.Length; i++)
        {
            if ((_bytes[i] & 0xC0) != 0x80)
            {
                column++;
            }
        }
        return (line + 1, column);
    }

    private void Add(int offset, string message)
    {
        var (line, column) = Position(offset);
        _errors.Add(new RuleError(_file, line, column, "$", message));
    }

    private static string StripPosition(string message)
    {
        var at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return at < 0 ? message : message[..at];
    }
}
