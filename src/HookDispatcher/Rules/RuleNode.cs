namespace HookDispatcher.Rules;

/// <summary>
/// A JSON value that remembers which file and line it came from, so errors found after merging drop-ins still point
/// at the right place. Members keep their order; Text is the string value or the number's literal text.
/// </summary>
internal sealed class RuleNode
{
    private RuleNode(RuleNodeKind kind, string file, int line, int column)
    {
        Kind = kind;
        File = file;
        Line = line;
        Column = column;
    }

    public RuleNodeKind Kind { get; }

    public string File { get; }

    public int Line { get; }

    public int Column { get; }

    public string Text { get; private init; } = "";

    public IReadOnlyList<RuleMember> Members { get; private init; } = [];

    public IReadOnlyList<RuleNode> Items { get; private init; } = [];

    public static RuleNode Scalar(RuleNodeKind kind, string text, string file, int line, int column) =>
        new(kind, file, line, column) { Text = text };

    public static RuleNode Object(IReadOnlyList<RuleMember> members, string file, int line, int column) =>
        new(RuleNodeKind.Object, file, line, column) { Members = members };

    public static RuleNode Array(IReadOnlyList<RuleNode> items, string file, int line, int column) =>
        new(RuleNodeKind.Array, file, line, column) { Items = items };

    public RuleNode WithMembers(IReadOnlyList<RuleMember> members) => Object(members, File, Line, Column);

    public RuleMember? Member(string name)
    {
        foreach (var member in Members)
        {
            if (member.Name == name)
            {
                return member;
            }
        }
        return null;
    }

    /// <summary>The value as an error message quotes it: strings in quotes (shortened), numbers as written.</summary>
    public string Describe() => Kind switch
    {
        RuleNodeKind.String => Quote(Text),
        RuleNodeKind.Number => Text.Length > 40 ? Text[..40] + "…" : Text,
        RuleNodeKind.True => "true",
        RuleNodeKind.False => "false",
        RuleNodeKind.Null => "null",
        RuleNodeKind.Object => "an object",
        _ => "an array",
    };

    public static string Quote(string text) =>
        "\"" + (text.Length > 60 ? text[..60] + "…" : text).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
