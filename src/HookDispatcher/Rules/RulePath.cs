namespace HookDispatcher.Rules;

/// <summary>JSON paths as errors print them: <c>$.gpu.devices[1]</c>, <c>$["odd key"]</c>.</summary>
internal static class RulePath
{
    public const string Root = "$";

    public static string Member(string parent, string name) =>
        IsIdentifier(name) ? $"{parent}.{name}" : $"{parent}[{RuleNode.Quote(name)}]";

    public static string Index(string parent, int index) =>
        FormattableString.Invariant($"{parent}[{index}]");

    private static bool IsIdentifier(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) &&
        name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '$');
}
