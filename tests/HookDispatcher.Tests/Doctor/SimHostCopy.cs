using System.Text.Json;
using HookDispatcher.Tests.Support;

namespace HookDispatcher.Tests.Doctor;

/// <summary>
/// A private copy of the shipped simulated host (hooks.d/examples/simhost) with its own rules directory and config,
/// so a test can change the host, the domain XML or the rules without touching the repository.
/// </summary>
internal sealed class SimHostCopy : IDisposable
{
    private readonly TempDir _dir = new();

    public SimHostCopy()
    {
        var copy = HookProcess.Run("/bin/cp", ["-a", Path.Join(HookProcess.RepoRoot, "hooks.d", "examples", "simhost"), Root]);
        if (copy.ExitCode != 0)
        {
            throw new InvalidOperationException(copy.Stderr);
        }
        Directory.CreateDirectory(RulesDir);
        File.Copy(Path.Join(HookProcess.RepoRoot, "hooks.d", "win11.json"), Path.Join(RulesDir, "win11.json"));
        File.WriteAllText(ConfigPath, JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["rulesDir"] = RulesDir,
            ["stateDir"] = _dir.Join("state"),
            ["hostRoot"] = Root,
        }));
    }

    public string Root => _dir.Join("root");

    public string RulesDir => _dir.Join("hooks.d");

    public string ConfigPath => _dir.Join("config.json");

    public string Xml => Join("etc/libvirt/qemu/win11.xml");

    public string Join(string relative) => Path.Join(Root, relative);

    public void Write(string relative, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Join(relative))!);
        File.WriteAllText(Join(relative), content);
    }

    public void Link(string relative, string target)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Join(relative))!);
        File.CreateSymbolicLink(Join(relative), target);
    }

    public void Dispose() => _dir.Dispose();
}
