using System.Text.RegularExpressions;

namespace HookDispatcher.Rules;

/// <summary>
/// Binds the <c>scripts</c> array and <c>scriptsDir</c> (<c>{domain}</c> in arguments is replaced when planning). Each program named is checked with
/// <see cref="ExecutableGuard"/> here, so <c>hookctl validate</c> and every hook event refuse an unsafe one with its
/// file:line:column (the runner checks again right before it runs).
/// </summary>
internal static partial class ScriptRuleBinder
{
    public const int DefaultTimeoutSeconds = 30;

    public static IReadOnlyList<ScriptRule> Scripts(RuleNode root, List<RuleError> errors)
    {
        if (root.Member("scripts") is not { } member)
        {
            return [];
        }
        var path = RulePath.Member(RulePath.Root, "scripts");
        if (member.Value.Kind != RuleNodeKind.Array)
        {
            Add(errors, member.Value, path, RuleValues.Expected("an array of script objects", member.Value));
            return [];
        }
        var scripts = new List<ScriptRule>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < member.Value.Items.Count; i++)
        {
            var node = member.Value.Items[i];
            var itemPath = RulePath.Index(path, i);
            if (node.Kind != RuleNodeKind.Object)
            {
                Add(errors, node, itemPath, RuleValues.Expected("an object with \"run\"", node));
                continue;
            }
            var entry = new RuleObjectReader(node, itemPath, errors, "at", "run", "undo", "timeoutSeconds", "name");
            var at = entry.Get("at", ScriptAt.Prepare, At);
            var run = Command(entry, "run", errors);
            if (node.Member("run") is null)
            {
                entry.Error("\"run\" is required: [\"/absolute/path\", \"argument\", …]");
            }
            var undo = node.Member("undo") is null ? null : Command(entry, "undo", errors);
            if (undo is not null && at == ScriptAt.Release)
            {
                entry.Error("a \"release\" entry runs at release only and has no \"undo\"");
            }
            var timeout = (int)entry.Get("timeoutSeconds", (long)DefaultTimeoutSeconds, RuleValues.Integer(1, 3600));
            var fallbackName = run is { Count: > 0 } ? NameChars().Replace(Path.GetFileName(run[0]), "_") : FormattableString.Invariant($"script-{i}");
            var name = entry.Get("name", fallbackName, Name);
            if (!names.Add(name))
            {
                entry.Error($"two scripts are named {RuleNode.Quote(name)}: give each a distinct \"name\" (it names the step in the state file)");
            }
            if (run is { Count: > 0 })
            {
                scripts.Add(new ScriptRule(name, at, run, undo, timeout));
            }
        }
        return scripts;
    }

    public static string? ScriptsDir(RuleNode root, List<RuleError> errors)
    {
        if (root.Member("scriptsDir") is not { } member)
        {
            return null;
        }
        var node = member.Value;
        var path = RulePath.Member(RulePath.Root, "scriptsDir");
        if (node.Kind != RuleNodeKind.String || !Path.IsPathFullyQualified(node.Text))
        {
            Add(errors, node, path, RuleValues.Expected("an absolute directory path like \"/etc/libvirt/hooks/qemu.d/win10\"", node));
            return null;
        }
        var dir = node.Text.TrimEnd('/');
        if (ExecutableGuard.CheckDirectory(dir) is { } refused)
        {
            Add(errors, node, path, refused);
            return null;
        }
        // Every program of the tree, so 'hookctl validate' finds an unsafe one before an event does.
        foreach (var file in TreeFiles(dir))
        {
            if (ExecutableGuard.Check(file) is { } unsafeFile)
            {
                Add(errors, node, path, unsafeFile);
            }
        }
        return dir;
    }

    /// <summary>The executables of <c>dir/&lt;operation&gt;/&lt;sub-operation&gt;/</c>, in ordinal lexical order.</summary>
    public static IReadOnlyList<string> EventScripts(string dir, string operation, string subOperation)
    {
        var eventDir = Path.Join(dir, operation, subOperation);
        if (!Directory.Exists(eventDir))
        {
            return [];
        }
        return Directory.EnumerateFileSystemEntries(eventDir)
            .Where(ExecutableGuard.IsExecutableFile)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static IEnumerable<string> TreeFiles(string dir)
    {
        foreach (var operation in SafeList(dir))
        {
            foreach (var subOperation in SafeList(operation))
            {
                foreach (var file in EventScripts(dir, Path.GetFileName(operation), Path.GetFileName(subOperation)))
                {
                    yield return file;
                }
            }
        }
    }

    private static IEnumerable<string> SafeList(string dir)
    {
        try
        {
            return Directory.GetDirectories(dir).Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static IReadOnlyList<string>? Command(RuleObjectReader entry, string key, List<RuleError> errors)
    {
        if (entry.Node.Member(key) is not { Value: var node })
        {
            return null;
        }
        var path = RulePath.Member(entry.Path, key);
        if (node.Kind != RuleNodeKind.Array || node.Items.Count == 0)
        {
            Add(errors, node, path, RuleValues.Expected("a non-empty array [\"/absolute/path\", \"argument\", …]", node));
            return null;
        }
        var argv = entry.List<string>(key, [], Argument);
        if (argv.Count != node.Items.Count)
        {
            return null;
        }
        if (ExecutableGuard.Check(argv[0]) is { } refused)
        {
            Add(errors, node.Items[0], RulePath.Index(path, 0), refused);
            return null;
        }
        return argv;
    }

    private static string? At(RuleNode node, out ScriptAt value)
    {
        (string Name, ScriptAt Value)[] options =
            [("prepare", ScriptAt.Prepare), ("start", ScriptAt.Start), ("started", ScriptAt.Started), ("release", ScriptAt.Release)];
        foreach (var (name, option) in options)
        {
            if (node.Kind == RuleNodeKind.String && node.Text == name)
            {
                value = option;
                return null;
            }
        }
        value = ScriptAt.Prepare;
        return RuleValues.Expected("\"prepare\", \"start\", \"started\" or \"release\"", node);
    }

    private static string? Argument(RuleNode node, out string value)
    {
        value = node.Text;
        return node.Kind == RuleNodeKind.String && !node.Text.Contains('\0', StringComparison.Ordinal)
            ? null
            : RuleValues.Expected("a string without NUL", node);
    }

    private static string? Name(RuleNode node, out string value)
    {
        value = node.Text;
        return node.Kind == RuleNodeKind.String && NamePattern().IsMatch(node.Text)
            ? null
            : RuleValues.Expected("a name of letters, digits, '.', '_' or '-' (at most 64)", node);
    }

    private static void Add(List<RuleError> errors, RuleNode at, string path, string message) =>
        errors.Add(new RuleError(at.File, at.Line, at.Column, path, message));

    [GeneratedRegex("[^A-Za-z0-9._-]")]
    private static partial Regex NameChars();

    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,64}\z")]
    private static partial Regex NamePattern();
}
