namespace HookDispatcher.Rules;

/// <summary>
/// Reads the members of one JSON object (or of a <c>true</c> section, which has none: every member takes its
/// default), adding an error for each bad value instead of stopping at the first.
/// </summary>
internal sealed class RuleObjectReader
{
    private readonly List<RuleError> _errors;

    public RuleObjectReader(RuleNode node, string path, List<RuleError> errors, params string[] known)
    {
        Node = node;
        Path = path;
        _errors = errors;
        foreach (var member in node.Members)
        {
            if (member.Name is "$schema" or "$comment" || known.Contains(member.Name, StringComparer.Ordinal))
            {
                continue;
            }
            var guess = known.FirstOrDefault(k => string.Equals(k, member.Name, StringComparison.OrdinalIgnoreCase));
            var hint = guess is null ? "" : $" (did you mean {RuleNode.Quote(guess)}?)";
            errors.Add(new RuleError(node.File, member.Line, member.Column, RulePath.Member(path, member.Name),
                $"unknown key {RuleNode.Quote(member.Name)}{hint}"));
        }
    }

    /// <summary>The object itself (or the <c>true</c> literal), for errors that concern several members.</summary>
    public RuleNode Node { get; }

    public string Path { get; }

    public void Error(string message) => _errors.Add(new RuleError(Node.File, Node.Line, Node.Column, Path, message));

    /// <summary>An error at member <paramref name="key"/> whose value is fine alone but not with another member's.</summary>
    public void Error(string key, string message)
    {
        if (Node.Member(key) is { } member)
        {
            Add(member.Value, RulePath.Member(Path, key), message);
        }
        else
        {
            Error(message);
        }
    }

    /// <summary>A nested section: absent or <c>false</c> is null, <c>true</c> is a section with defaults.</summary>
    public RuleObjectReader? Section(string key, params string[] known)
    {
        if (Node.Member(key) is not { } member)
        {
            return null;
        }
        var node = member.Value;
        var path = RulePath.Member(Path, key);
        switch (node.Kind)
        {
            case RuleNodeKind.False:
                return null;
            case RuleNodeKind.True:
            case RuleNodeKind.Object:
                return new RuleObjectReader(node, path, _errors, known);
            default:
                Add(node, path, RuleValues.Expected("an object, true or false", node));
                return null;
        }
    }

    public T Get<T>(string key, T fallback, RuleConverter<T> convert)
    {
        if (Node.Member(key) is not { } member)
        {
            return fallback;
        }
        var error = convert(member.Value, out var value);
        if (error is null)
        {
            return value;
        }
        Add(member.Value, RulePath.Member(Path, key), error);
        return fallback;
    }

    public IReadOnlyList<T> List<T>(string key, IReadOnlyList<T> fallback, RuleConverter<T> convert)
    {
        if (Node.Member(key) is not { } member)
        {
            return fallback;
        }
        var path = RulePath.Member(Path, key);
        if (member.Value.Kind != RuleNodeKind.Array)
        {
            Add(member.Value, path, RuleValues.Expected("an array", member.Value));
            return fallback;
        }
        var result = new List<T>(member.Value.Items.Count);
        for (var i = 0; i < member.Value.Items.Count; i++)
        {
            var item = member.Value.Items[i];
            var error = convert(item, out var value);
            if (error is null)
            {
                result.Add(value);
            }
            else
            {
                Add(item, RulePath.Index(path, i), error);
            }
        }
        return result;
    }

    private void Add(RuleNode at, string path, string message) =>
        _errors.Add(new RuleError(at.File, at.Line, at.Column, path, message));
}
