namespace HookDispatcher.DBus;

/// <summary>
/// A D-Bus type signature ('g'): a sequence of complete types such as "sba(sv)". Also holds the rules the reader and
/// writer share: alignment per type code and the nesting limits of the specification.
/// </summary>
internal readonly record struct Signature
{
    public const int MaxLength = 255;
    private const int MaxContainerDepth = 32;

    public Signature(string value)
    {
        if (!TryValidate(value, out var error))
        {
            throw new ArgumentException($"Invalid D-Bus signature '{value}': {error}", nameof(value));
        }
        Value = value;
    }

    public string Value { get; }

    public override string ToString() => Value ?? "";

    /// <summary>The alignment of a value whose signature starts with <paramref name="code"/>.</summary>
    public static int Alignment(char code) => code switch
    {
        'y' or 'g' or 'v' => 1,
        'n' or 'q' => 2,
        'b' or 'i' or 'u' or 'h' or 's' or 'o' or 'a' => 4,
        'x' or 't' or 'd' or '(' or '{' => 8,
        _ => throw new DBusProtocolException($"Unknown type code '{code}'"),
    };

    /// <summary>Splits "sba(sv)" into "s", "b", "a(sv)".</summary>
    public static IReadOnlyList<string> SplitCompleteTypes(string signature)
    {
        var types = new List<string>();
        for (var i = 0; i < signature.Length;)
        {
            var end = CompleteTypeEnd(signature, i);
            types.Add(signature[i..end]);
            i = end;
        }
        return types;
    }

    /// <summary>The index just past the single complete type that starts at <paramref name="start"/>.</summary>
    public static int CompleteTypeEnd(string signature, int start)
    {
        if (!TryCompleteTypeEnd(signature, start, 0, 0, out var end, out var error))
        {
            throw new DBusProtocolException($"Invalid D-Bus signature '{signature}': {error}");
        }
        return end;
    }

    public static bool TryValidate(string? signature, out string error)
    {
        error = "";
        if (signature is null)
        {
            error = "null";
            return false;
        }
        if (signature.Length > MaxLength)
        {
            error = $"longer than {MaxLength} characters";
            return false;
        }
        for (var i = 0; i < signature.Length;)
        {
            if (!TryCompleteTypeEnd(signature, i, 0, 0, out i, out error))
            {
                return false;
            }
        }
        return true;
    }

    public static bool IsSingleCompleteType(string signature) =>
        signature.Length > 0 && TryValidate(signature, out _) && CompleteTypeEnd(signature, 0) == signature.Length;

    private static bool TryCompleteTypeEnd(string sig, int start, int arrays, int structs, out int end, out string error)
    {
        end = start;
        error = "";
        if (start >= sig.Length)
        {
            error = "ends in the middle of a type";
            return false;
        }
        if (arrays > MaxContainerDepth || structs > MaxContainerDepth)
        {
            error = $"containers nested deeper than {MaxContainerDepth}";
            return false;
        }
        switch (sig[start])
        {
            case 'y' or 'b' or 'n' or 'q' or 'i' or 'u' or 'x' or 't' or 'd' or 's' or 'o' or 'g' or 'h' or 'v':
                end = start + 1;
                return true;
            case 'a':
                if (start + 1 < sig.Length && sig[start + 1] == '{')
                {
                    return TryDictEntryEnd(sig, start + 1, arrays + 1, structs, out end, out error);
                }
                return TryCompleteTypeEnd(sig, start + 1, arrays + 1, structs, out end, out error);
            case '(':
                var i = start + 1;
                if (i < sig.Length && sig[i] == ')')
                {
                    error = $"empty struct at {start}";
                    return false;
                }
                while (i < sig.Length && sig[i] != ')')
                {
                    if (!TryCompleteTypeEnd(sig, i, arrays, structs + 1, out i, out error))
                    {
                        return false;
                    }
                }
                if (i >= sig.Length)
                {
                    error = $"struct at {start} is not closed";
                    return false;
                }
                end = i + 1;
                return true;
            default:
                error = $"'{sig[start]}' at {start} is not a type that can start here";
                return false;
        }
    }

    private static bool TryDictEntryEnd(string sig, int start, int arrays, int structs, out int end, out string error)
    {
        end = start;
        var key = start + 1;
        if (key >= sig.Length || "ybnqiuxtdsogh".IndexOf(sig[key]) < 0)
        {
            error = $"dict entry at {start} needs a basic key type";
            return false;
        }
        if (!TryCompleteTypeEnd(sig, key + 1, arrays, structs + 1, out var valueEnd, out error))
        {
            return false;
        }
        if (valueEnd >= sig.Length || sig[valueEnd] != '}')
        {
            error = $"dict entry at {start} must hold exactly a key and a value";
            return false;
        }
        end = valueEnd + 1;
        return true;
    }
}
