namespace HookDispatcher.Rules;

/// <summary>
/// The rule-file rule applied to programs the hook runs as root (the <c>scripts</c> section, a <c>scriptsDir</c>
/// tree): an absolute path that resolves to a regular, executable file owned by root and not writable by group or
/// others, in directories nobody but root can change (a sticky root-owned directory like /tmp counts as safe: others
/// cannot rename or replace root's file there).
/// </summary>
internal static class ExecutableGuard
{
    private const uint GroupOrOtherWrite = 0x12; // 0022
    private const uint AnyExecute = 0x49; // 0111
    private const uint Sticky = 0x200; // 01000

    /// <summary>Null when <paramref name="path"/> may run; else why not, naming the path.</summary>
    public static string? Check(string path)
    {
        if (!Path.IsPathFullyQualified(path))
        {
            return $"refused: '{path}' is not an absolute path";
        }
        if (RuleFileStat.TryRealPath(path, out var real) is { } resolveError)
        {
            return $"refused: '{path}': cannot resolve: {resolveError}";
        }
        if (RuleFileStat.TryStat(real, out var mode, out var uid, out _) is { } statError)
        {
            return $"refused: '{path}': cannot stat: {statError}";
        }
        var shown = real == path ? $"'{path}'" : $"'{path}' (resolves to '{real}')";
        if ((mode & RuleFileStat.TypeMask) != RuleFileStat.Regular)
        {
            return $"refused: {shown} is not a regular file (mode {RuleFileStat.Octal(mode)})";
        }
        if ((mode & AnyExecute) == 0)
        {
            return $"refused: {shown} is not executable (mode {RuleFileStat.Octal(mode)})";
        }
        if (Unsafe(mode, uid, allowSticky: false))
        {
            return $"refused: {shown} must be owned by root and not writable by group or others ({Found(mode, uid)})";
        }
        for (var dir = Path.GetDirectoryName(real); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            if (RuleFileStat.TryStat(dir, out var dirMode, out var dirUid, out _) is { } dirError)
            {
                return $"refused: {shown}: cannot stat its directory '{dir}': {dirError}";
            }
            if (Unsafe(dirMode, dirUid, allowSticky: true))
            {
                return $"refused: {shown}: its directory '{dir}' must be owned by root and not writable by group or others ({Found(dirMode, dirUid)})";
            }
        }
        return null;
    }

    /// <summary>Whether <paramref name="path"/> is a regular file with an execute bit (a candidate in a script tree).</summary>
    public static bool IsExecutableFile(string path) =>
        RuleFileStat.TryStat(path, out var mode, out _, out _) is null &&
        (mode & RuleFileStat.TypeMask) == RuleFileStat.Regular && (mode & AnyExecute) != 0;

    /// <summary>Null when <paramref name="dir"/> is a directory nobody but root can change.</summary>
    public static string? CheckDirectory(string dir)
    {
        if (!Path.IsPathFullyQualified(dir))
        {
            return $"refused: '{dir}' is not an absolute path";
        }
        if (RuleFileStat.TryStat(dir, out var mode, out var uid, out _) is { } error)
        {
            return $"refused: '{dir}': cannot stat: {error}";
        }
        if ((mode & RuleFileStat.TypeMask) != RuleFileStat.Directory)
        {
            return $"refused: '{dir}' is not a directory (mode {RuleFileStat.Octal(mode)})";
        }
        return Unsafe(mode, uid, allowSticky: false)
            ? $"refused: '{dir}' must be owned by root and not writable by group or others ({Found(mode, uid)})"
            : null;
    }

    private static bool Unsafe(uint mode, uint uid, bool allowSticky) =>
        uid != 0 || ((mode & GroupOrOtherWrite) != 0 && !(allowSticky && (mode & Sticky) != 0));

    private static string Found(uint mode, uint uid) => FormattableString.Invariant($"owner uid {uid}, mode {RuleFileStat.Octal(mode)}");
}
