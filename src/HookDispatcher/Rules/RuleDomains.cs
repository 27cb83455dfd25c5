namespace HookDispatcher.Rules;

/// <summary>The domain names that have rules: <c>&lt;domain&gt;.json</c> and <c>&lt;domain&gt;.d/</c> in the rules directory.</summary>
internal static class RuleDomains
{
    public static string[] In(string rulesDir)
    {
        if (!Directory.Exists(rulesDir))
        {
            return [];
        }
        var files = Directory.EnumerateFiles(rulesDir, "*.json")
            .Select(Path.GetFileName)
            .Where(f => !f!.EndsWith(".schema.json", StringComparison.Ordinal))
            .Select(f => f![..^".json".Length]);
        var dropIns = Directory.EnumerateDirectories(rulesDir, "*.d").Select(d => Path.GetFileName(d)[..^".d".Length]);
        return files.Concat(dropIns).Distinct().Order(StringComparer.Ordinal).ToArray();
    }
}
