using System.Diagnostics;

namespace HookDispatcher.Host;

/// <summary>Which of a child's output pipes a line came from.</summary>
internal enum ProcessStream
{
    Stdout,
    Stderr,
}

/// <summary>What a child process left behind (output kept up to <see cref="ProcessRunner.KeptOutputBytes"/> per pipe).</summary>
/// <param name="LeftoversKilled">
/// The child exited but something it started still held its stdout or stderr after a short grace: that process group
/// was killed rather than waited for.
/// </param>
internal sealed record ProcessResult(int ExitCode, string Stdout, string Stderr, bool LeftoversKilled = false);

/// <summary>One command to run.</summary>
/// <param name="Environment">The child's whole environment; null: the dispatcher's own.</param>
/// <param name="StdinFile">A file the child reads as stdin; null: stdin at EOF at once.</param>
/// <param name="OnLine">Called with each line of stdout and stderr as it arrives (for the journal).</param>
/// <param name="Timeout">Longest run; null: the runner's default.</param>
internal sealed record ProcessRequest(
    string Executable,
    IReadOnlyList<string> Args,
    IReadOnlyDictionary<string, string>? Environment = null,
    string? StdinFile = null,
    Action<ProcessStream, string>? OnLine = null,
    TimeSpan? Timeout = null)
{
    public string CommandLine => string.Join(' ', [Executable, .. Args]);
}

/// <summary>
/// The only way the dispatcher starts a child (modprobe, the user's scripts). libvirtd reads the hook's stdout and
/// stderr to EOF, so a child must never inherit them: both go to pipes read to EOF, stdin is a pipe closed at once
/// (EOF, never libvirt's XML) or a given file, and every other descriptor is closed. The child leads a process group
/// of its own, so a timeout kills it with everything it started (a script's <c>sleep</c>, a pipeline), and a
/// background child that keeps the pipes open after the child exited is killed after a short grace instead of
/// stalling the hook until the timeout.
/// </summary>
internal sealed partial class ProcessRunner(TimeSpan timeout)
{
    /// <summary>How long output may trail the child's exit (a last write of a pipeline) before holders are killed.</summary>
    public static readonly TimeSpan LingerGrace = TimeSpan.FromSeconds(1);

    public const int KeptOutputBytes = 64 * 1024;

    public ProcessResult Run(string executable, IReadOnlyList<string> args) => Run(new ProcessRequest(executable, args));

    public ProcessResult Run(ProcessRequest request)
    {
        if (!Path.IsPathFullyQualified(request.Executable))
        {
            // The hook's PATH is libvirt's fixed one; an absolute path says exactly what runs as root.
            throw new ArgumentException($"'{request.Executable}' is not an absolute path", nameof(request));
        }
        var limit = request.Timeout ?? timeout;
        var clock = Stopwatch.StartNew();
        using var child = Spawn(request);
        var stdout = new ProcessOutput(ProcessStream.Stdout, request.OnLine);
        var stderr = new ProcessOutput(ProcessStream.Stderr, request.OnLine);
        int? exitCode = null;
        TimeSpan? exitedAt = null;
        while (!(exitCode is not null && child.OutClosed && child.ErrClosed))
        {
            if (exitCode is null && child.TryReap(out var code))
            {
                exitCode = code;
                exitedAt = clock.Elapsed;
            }
            if (clock.Elapsed >= limit)
            {
                child.KillGroup();
                stdout.Flush();
                stderr.Flush();
                throw new TimeoutException($"{request.CommandLine} did not finish within {limit.TotalSeconds:0.#} s and was killed");
            }
            if (exitedAt is { } exited && clock.Elapsed - exited >= LingerGrace)
            {
                // Only what the child started can still hold the pipes: it shares the child's process group.
                child.KillGroup();
                stdout.Flush();
                stderr.Flush();
                return new ProcessResult(exitCode!.Value, stdout.Text, stderr.Text, LeftoversKilled: true);
            }
            child.Pump(stdout, stderr, TimeSpan.FromMilliseconds(10));
        }
        stdout.Flush();
        stderr.Flush();
        return new ProcessResult(exitCode.Value, stdout.Text, stderr.Text);
    }
}
