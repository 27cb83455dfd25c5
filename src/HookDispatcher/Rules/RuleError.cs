namespace HookDispatcher.Rules;

/// <summary>
/// One problem in a rule file. Line and column are 1-based; 0 means the problem concerns the file as a whole
/// (ownership, size, a missing file) rather than a place in it.
/// </summary>
internal sealed record RuleError(string File, int Line, int Column, string Path, string Message)
{
    public override string ToString() => Line > 0
        ? FormattableString.Invariant($"{File}:{Line}:{Column}: {Path}: {Message}")
        : $"{File}: {Message}";
}
