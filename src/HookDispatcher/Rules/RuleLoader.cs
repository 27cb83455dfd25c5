using System.Text;

namespace HookDispatcher.Rules;

/// <summary>
/// Finds, checks, reads, merges and binds the rule files of one domain, reporting every error at once.
/// A domain without rule files is cheap: two existence checks, nothing read.
/// </summary>
internal sealed class RuleLoader
{
    public const int MaxFileBytes = 1024 * 1024;

    public static bool IsValidDomainName(string name, out string error)
    {
        error = name switch
        {
            null or "" => "domain name is empty",
            "." or ".." => $"domain name {RuleNode.Quote(name)} is not allowed",
            _ when name.Contains('/', StringComparison.Ordinal) => $"domain name {RuleNode.Quote(name)} contains '/'",
            _ when name.Contains('\0', StringComparison.Ordinal) => "domain name contains a NUL character",
            _ when Encoding.UTF8.GetByteCount(name) > 255 => "domain name is longer than 255 bytes",
            _ => "",
        };
        return error.Length == 0;
    }

    /// <summary><c>domain.json</c> (if present) then <c>domain.d/*.json</c> in ordinal order.</summary>
    /// <exception cref="ArgumentException">The domain name fails <see cref="IsValidDomainName"/>.</exception>
    public static IReadOnlyList<string> FilesFor(string rulesDir, string domain)
    {
        if (!IsValidDomainName(domain, out var error))
        {
            throw new ArgumentException(error, nameof(domain));
        }
        var files = new List<string>();
        var main = Path.Combine(rulesDir, domain + ".json");
        // A dangling symlink still counts, so that it is reported rather than silently ignored.
        if (File.Exists(main) || new FileInfo(main).LinkTarget is not null)
        {
            files.Add(main);
        }
        var dropIns = DropInDirectory(rulesDir, domain);
        if (Directory.Exists(dropIns))
        {
            var names = Directory.GetFiles(dropIns, "*.json")
                .Where(f => f.EndsWith(".json", StringComparison.Ordinal) && SkipReason(f) is null)
                .Order(StringComparer.Ordinal);
            files.AddRange(names);
        }
        return files;
    }

    /// <summary>
    /// Drop-ins that are not read, each with why: editor leftovers (hidden files such as <c>.50-x.json.swp</c> or
    /// emacs' <c>.#50-x.json</c> lock, a dangling symlink), as systemd skips them in its <c>.d</c> directories.
    /// </summary>
    public static IReadOnlyList<(string File, string Reason)> SkippedDropIns(string rulesDir, string domain)
    {
        var dropIns = DropInDirectory(rulesDir, domain);
        if (!IsValidDomainName(domain, out _) || !Directory.Exists(dropIns))
        {
            return [];
        }
        return Directory.GetFileSystemEntries(dropIns)
            .Order(StringComparer.Ordinal)
            .Select(f => (File: f, Reason: SkipReason(f)))
            .Where(f => f.Reason is not null && (f.File.EndsWith(".json", StringComparison.Ordinal) || Path.GetFileName(f.File).StartsWith('.')))
            .Select(f => (f.File, f.Reason!))
            .ToList();
    }

    private static string? SkipReason(string file) =>
        Path.GetFileName(file).StartsWith('.') ? "hidden file (an editor's leftover?)"
        : new FileInfo(file).LinkTarget is { } target && !Resolves(file) ? $"dangling symlink to '{target}'"
        : null;

    // File.Exists is true for a dangling symlink (it falls back to lstat): resolve the link itself.
    private static bool Resolves(string link)
    {
        try
        {
            return new FileInfo(link).ResolveLinkTarget(returnFinalTarget: true) is { Exists: true };
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The hook's view: refuses files root does not exclusively control.</summary>
    public RuleLoadResult Load(string rulesDir, string domain)
    {
        if (!IsValidDomainName(domain, out var nameError))
        {
            return new RuleLoadResult(null, [new RuleError(domain, 0, 0, RulePath.Root, nameError)]);
        }
        var files = FilesFor(rulesDir, domain);
        if (files.Count == 0)
        {
            return RuleLoadResult.None;
        }
        var errors = new List<RuleError>();
        var safe = RuleFileGuard.CheckDirectory(rulesDir, errors);
        var dropIns = DropInDirectory(rulesDir, domain);
        if (Directory.Exists(dropIns))
        {
            safe &= RuleFileGuard.CheckDirectory(dropIns, errors);
        }
        foreach (var file in files)
        {
            safe &= RuleFileGuard.CheckFile(file, rulesDir, errors);
        }
        if (!safe)
        {
            // Never parse a file an unprivileged user may have written: its content is not worth reporting.
            return new RuleLoadResult(null, errors);
        }
        return LoadFiles(files);
    }

    /// <summary>Content checks only (for <c>hookctl validate FILE…</c>, which may run on drafts anywhere).</summary>
    public RuleLoadResult LoadFiles(IReadOnlyList<string> files)
    {
        var errors = new List<RuleError>();
        RuleNode? merged = null;
        foreach (var file in files)
        {
            if (ReadTree(file, errors) is { } tree)
            {
                merged = merged is null ? tree : RuleTreeMerger.Merge(merged, tree);
            }
        }
        if (merged is null)
        {
            return new RuleLoadResult(null, InFileOrder(errors, files));
        }
        var rules = RuleBinder.Bind(merged, files, errors);
        return errors.Count == 0
            ? new RuleLoadResult(rules, errors)
            : new RuleLoadResult(null, InFileOrder(errors, files));
    }

    private static RuleNode? ReadTree(string file, List<RuleError> errors)
    {
        byte[] bytes;
        try
        {
            bytes = ReadBounded(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add(new RuleError(file, 0, 0, RulePath.Root, $"cannot read: {e.Message}"));
            return null;
        }
        if (bytes.Length > MaxFileBytes)
        {
            errors.Add(new RuleError(file, 0, 0, RulePath.Root, $"refused: larger than {MaxFileBytes} bytes"));
            return null;
        }
        var tree = RuleTreeReader.Read(bytes, file, errors);
        if (tree is not null && tree.Kind != RuleNodeKind.Object)
        {
            errors.Add(new RuleError(file, tree.Line, tree.Column, RulePath.Root,
                RuleValues.Expected("an object at the top level", tree)));
            return null;
        }
        return tree;
    }

    /// <summary>Stops one chunk past the limit, so /dev/zero or a growing file cannot exhaust memory.</summary>
    private static byte[] ReadBounded(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, false);
        using var content = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while (content.Length <= MaxFileBytes && (read = stream.Read(chunk)) > 0)
        {
            content.Write(chunk, 0, read);
        }
        return content.ToArray();
    }

    /// <summary>Binding finds errors section by section; people read them top to bottom, file by file.</summary>
    private static List<RuleError> InFileOrder(List<RuleError> errors, IReadOnlyList<string> files) => errors
        .OrderBy(e => files.TakeWhile(f => f != e.File).Count())
        .ThenBy(e => e.Line)
        .ThenBy(e => e.Column)
        .ToList();

    private static string DropInDirectory(string rulesDir, string domain) => Path.Combine(rulesDir, domain + ".d");
}
