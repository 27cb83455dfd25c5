using System.Diagnostics;

namespace HookDispatcher.Tests.Support;

/// <summary>Runs the published native binary (out/hookctl) as libvirtd would: argv, stdin, a bounded wait.</summary>
internal static class HookProcess
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Binary
    {
        get
        {
            var path = Path.Join(RepoRoot, "out", "hookctl");
            return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: run ./build.sh test (it publishes first)");
        }
    }

    public sealed record Result(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed);

    public static Result Run(string executable, IEnumerable<string> args, string? stdin = null, IDictionary<string, string>? env = null)
    {
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(StartInfo(executable, args, env))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            if (stdin is not null)
            {
                process.StandardInput.Write(stdin);
            }
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The hook may exit without reading stdin, as libvirt allows.
        }
        // EOF on both pipes is what libvirtd waits for: a descendant holding them would stall here.
        if (!Task.WaitAll([stdout, stderr], TimeSpan.FromSeconds(30)) || !process.WaitForExit(30_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{executable} {string.Join(' ', args)} did not finish (or close stdout/stderr) within 30 s");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result, clock.Elapsed);
    }

    /// <summary>The start info libvirtd would use: argv, redirected stdio, cwd /, only LC_ALL and PATH (plus <paramref name="env"/>).</summary>
    public static ProcessStartInfo StartInfo(string executable, IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        // libvirt's hook environment: exactly LC_ALL and PATH.
        start.Environment.Clear();
        start.Environment["LC_ALL"] = "C";
        start.Environment["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        foreach (var (key, value) in env ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        return start;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Join(dir.FullName, "HookDispatcher.sln")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException("HookDispatcher.sln not found above " + AppContext.BaseDirectory);
    }
}
