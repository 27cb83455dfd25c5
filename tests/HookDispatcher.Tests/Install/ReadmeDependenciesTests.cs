using System.Text.RegularExpressions;
using System.Xml.Linq;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Install;

/// <summary>The README's Dependencies table says exactly what the project file references, at the same versions.</summary>
public sealed partial class ReadmeDependenciesTests
{
    [Fact]
    public void TheReadmeDependencyTableNamesExactlyThePackageReferences()
    {
        var project = XDocument.Load(Path.Join(HookProcess.RepoRoot, "src", "HookDispatcher", "HookDispatcher.csproj"));
        var referenced = project.Descendants("PackageReference")
            .Select(r => $"{(string)r.Attribute("Include")!} {(string)r.Attribute("Version")!}")
            .Order(StringComparer.Ordinal).ToList();
        referenced.ShouldNotBeEmpty();
        TableRows().Order(StringComparer.Ordinal).ToList().ShouldBe(referenced);
    }

    /// <summary>"Package Version" for each package of the table under "## Dependencies" (a cell may name several).</summary>
    private static IEnumerable<string> TableRows()
    {
        var readme = File.ReadAllText(Path.Join(HookProcess.RepoRoot, "README.md"));
        var section = readme[readme.IndexOf("\n## Dependencies\n", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", 1, StringComparison.Ordinal)];
        var rows = Row().Matches(section);
        rows.Count.ShouldBeGreaterThan(0, "no '| Package | Version | Why |' rows under ## Dependencies");
        foreach (Match row in rows)
        {
            foreach (var name in row.Groups["names"].Value.Split(',', StringSplitOptions.TrimEntries))
            {
                yield return $"{name} {row.Groups["version"].Value}";
            }
        }
    }

    [GeneratedRegex(@"^\| (?<names>[A-Za-z][\w.]*(?:, [A-Za-z][\w.]*)*) \| (?<version>\d[\w.\-]*) \|", RegexOptions.Multiline)]
    private static partial Regex Row();
}
