using Shouldly;
using System.Diagnostics;
using HookDispatcher.Rules;

namespace HookDispatcher.Tests.Rules;

/// <summary>A temporary rules directory with root-owned, 0644 files (the tests run as root).</summary>
internal sealed class RuleDir : IDisposable
{
    private const UnixFileMode DirMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead |
        UnixFileMode.OtherRead;

    public RuleDir()
    {
        Root = Directory.CreateTempSubdirectory("rules-test-").FullName;
        Path = Directory.CreateDirectory(System.IO.Path.Combine(Root, "hooks.d")).FullName;
        File.SetUnixFileMode(Path, DirMode);
    }

    /// <summary>A scratch directory around <see cref="Path"/>, for things that must lie outside it.</summary>
    public string Root { get; }

    public string Path { get; }

    public string Write(string relative, string content)
    {
        var file = System.IO.Path.Combine(Path, relative);
        var directory = System.IO.Path.GetDirectoryName(file)!;
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory);
            File.SetUnixFileMode(directory, DirMode);
        }
        File.WriteAllText(file, content);
        File.SetUnixFileMode(file, FileMode);
        return file;
    }

    /// <summary>
    /// Loads <paramref name="domain"/>'s files; when the loader accepts a single file, it must pass the schema too.
    /// (With drop-ins a file may hold a value a later file overrides: the loader judges the merged rule, the schema
    /// one file.)
    /// </summary>
    public RuleLoadResult Load(string domain)
    {
        var result = new RuleLoader().Load(Path, domain);
        if (result.Errors.Count == 0 && RuleLoader.FilesFor(Path, domain) is [var single])
        {
            ShouldPassTheSchema([single]);
        }
        return result;
    }

    /// <summary>What the loader accepts, the shipped schema must accept: it is what editors check rule files with.</summary>
    public static void ShouldPassTheSchema(IEnumerable<string> files)
    {
        foreach (var file in files)
        {
            var errors = RulesSchema.Errors(File.ReadAllText(file));
            errors.ShouldBeEmpty($"{file} loads, but hooks.d/rules.schema.json rejects it:\n" + string.Join('\n', errors));
        }
    }

    public static void Chown(string path, int uid)
    {
        using var chown = Process.Start("/bin/chown", [uid.ToString(System.Globalization.CultureInfo.InvariantCulture), path])!;
        chown.WaitForExit();
        chown.ExitCode.ShouldBe(0);
    }

    /// <summary>Loads one rule text as file "vm.json" without the ownership checks.</summary>
    public static RuleLoadResult LoadText(string json)
    {
        using var dir = new RuleDir();
        var file = dir.Write("vm.json", json);
        var result = new RuleLoader().LoadFiles([file]);
        if (result.Errors.Count == 0)
        {
            ShouldPassTheSchema([file]);
        }
        return result;
    }

    public static RuleSet Valid(string json)
    {
        var result = LoadText(json);
        result.Errors.ShouldBeEmpty();
        return result.Rules.ShouldNotBeNull();
    }

    public static RuleError SingleError(string json)
    {
        var result = LoadText(json);
        result.Rules.ShouldBeNull();
        return result.Errors.ShouldHaveSingleItem();
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
