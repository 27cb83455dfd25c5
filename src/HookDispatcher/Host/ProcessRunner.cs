using System.Diagnostics;

namespace HookDispatcher.Host;

/// <summary>What a child process left behind.</summary>
internal sealed record ProcessResult(int ExitCode, string Stdout, string Stderr);

/// <summary>
/// The only way the dispatcher starts a child (modprobe). libvirtd reads the hook's stdout and stderr to EOF, so a
/// child must never inherit them: both go to pipes we read to EOF, stdin is a pipe closed at once (the child reads
/// EOF at once, as from /dev/null, and never libvirt's XML), and a child that outlives the timeout is killed.
/// </summary>
internal sealed class ProcessRunner(TimeSpan timeout)
{
    public ProcessResult Run(string executable, IReadOnlyList<string> args)
    {
        if (!Path.IsPathFullyQualified(executable))
        {
            // The hook's PATH is libvirt's fixed one; an absolute path says exactly what runs as root.
            throw new ArgumentException($"'{executable}' is not an absolute path", nameof(executable));
        }
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
        var command = string.Join(' ', [executable, .. args]);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {command}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // EOF on both pipes, then the exit: a grandchild holding the pipes counts as not finished.
        if (!Task.WaitAll([stdout, stderr], timeout) || !process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(1000);
            throw new TimeoutException($"{command} did not finish within {timeout.TotalSeconds:0.#} s and was killed");
        }
        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}
