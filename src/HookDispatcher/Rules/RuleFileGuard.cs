namespace HookDispatcher.Rules;

/// <summary>
/// The hook runs as root and acts on what rule files say (unbinding devices, stopping units), so a rule file only
/// counts when nobody but root could have written it: root-owned, not group/other-writable, resolving inside the
/// rules directory, and the same for the directories holding it.
/// </summary>
internal static class RuleFileGuard
{
    private const uint GroupOrOtherWrite = 0x12; // 0022

    /// <summary>Adds an error and returns false unless the directory is safe to read rules from.</summary>
    public static bool CheckDirectory(string directory, List<RuleError> errors) =>
        Check(directory, RuleFileStat.Directory, "directory", errors);

    /// <summary>
    /// Adds an error and returns false unless the file is safe: after resolving every symlink it must lie inside
    /// rulesDir (itself resolved), be a regular file, root-owned and not writable by group or others.
    /// </summary>
    public static bool CheckFile(string file, string rulesDir, List<RuleError> errors)
    {
        if (Fail(RuleFileStat.TryRealPath(rulesDir, out var realDir), rulesDir, "cannot resolve", errors) ||
            Fail(RuleFileStat.TryRealPath(file, out var realFile), file, "cannot resolve", errors))
        {
            return false;
        }
        var prefix = realDir.EndsWith('/') ? realDir : realDir + "/";
        if (!realFile.StartsWith(prefix, StringComparison.Ordinal))
        {
            errors.Add(Error(file, $"refused: resolves to '{realFile}', outside the rules directory '{realDir}'"));
            return false;
        }
        return Check(file, RuleFileStat.Regular, "regular file", errors);
    }

    private static bool Check(string path, uint type, string what, List<RuleError> errors)
    {
        if (Fail(RuleFileStat.TryStat(path, out var mode, out var uid, out _), path, "cannot stat", errors))
        {
            return false;
        }
        if ((mode & RuleFileStat.TypeMask) != type)
        {
            errors.Add(Error(path, $"refused: not a {what} (mode {RuleFileStat.Octal(mode)})"));
            return false;
        }
        if (uid != 0 || (mode & GroupOrOtherWrite) != 0)
        {
            var found = FormattableString.Invariant($"owner uid {uid}, mode {RuleFileStat.Octal(mode)}");
            errors.Add(Error(path, $"refused: must be owned by root and not writable by group or others ({found})"));
            return false;
        }
        return true;
    }

    private static bool Fail(string? errno, string path, string action, List<RuleError> errors)
    {
        if (errno is not null)
        {
            errors.Add(Error(path, $"refused: {action}: {errno}"));
        }
        return errno is not null;
    }

    private static RuleError Error(string path, string message) => new(path, 0, 0, RulePath.Root, message);
}
