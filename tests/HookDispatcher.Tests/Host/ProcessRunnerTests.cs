using System.Diagnostics;
using HookDispatcher.Host;
using Shouldly;

namespace HookDispatcher.Tests.HostLayer;

public sealed class ProcessRunnerTests
{
    private static readonly ProcessRunner Runner = new(TimeSpan.FromSeconds(10));

    [Fact]
    public void StdoutStderrAndTheExitCodeAreCaptured()
    {
        var result = Runner.Run("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"]);
        result.ShouldBe(new ProcessResult(3, "out\n", "err\n"));
    }

    [Fact]
    public void StdinIsAtEndOfFileSoAReaderReturnsAtOnce() =>
        Runner.Run("/bin/cat", []).ShouldBe(new ProcessResult(0, "", ""));

    [Fact]
    public void ARelativePathIsRefused() =>
        Should.Throw<ArgumentException>(() => Runner.Run("modprobe", ["vfio-pci"])).Message.ShouldStartWith("'modprobe' is not an absolute path");

    [Fact]
    public void AChildThatOutlivesTheTimeoutIsKilled()
    {
        var clock = Stopwatch.StartNew();
        var e = Should.Throw<TimeoutException>(() => new ProcessRunner(TimeSpan.FromMilliseconds(300)).Run("/bin/sleep", ["30"]));
        e.Message.ShouldBe("/bin/sleep 30 did not finish within 0.3 s and was killed");
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void ABackgroundChildHoldingStdoutIsKilledAfterAShortGraceInsteadOfStallingUntilTheTimeout()
    {
        // libvirtd waits for EOF on the hook's pipes, and the runner for EOF on the child's: a background child of a
        // script that keeps stdout open must not hold the hook until the time limit.
        var token = Token();
        var clock = Stopwatch.StartNew();
        var result = new ProcessRunner(TimeSpan.FromSeconds(20)).Run("/bin/sh", ["-c", $"/bin/sleep {token} & echo started"]);
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
        result.ShouldBe(new ProcessResult(0, "started\n", "", LeftoversKilled: true));
        Survivors(token).ShouldBeEmpty();
    }

    [Fact]
    public void ATimeoutKillsTheWholeProcessGroupNotOnlyTheChild()
    {
        var token = Token();
        // The first sleep does not hold the pipes: only the process group can find it.
        Should.Throw<TimeoutException>(() => new ProcessRunner(TimeSpan.FromMilliseconds(500))
            .Run("/bin/sh", ["-c", $"/bin/sleep {token} >/dev/null 2>&1 & /bin/sleep {token}"]));
        Survivors(token).ShouldBeEmpty();
    }

    [Fact]
    public void TheChildLeadsAProcessGroupOfItsOwn()
    {
        var output = Runner.Run("/bin/sh", ["-c", "echo $$; cut -d' ' -f5 /proc/$$/stat"]).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        output[1].ShouldBe(output[0]);
        output[0].ShouldNotBe(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void TheEnvironmentIsExactlyTheOneGiven()
    {
        var env = new Dictionary<string, string> { ["A"] = "1", ["PATH"] = "/usr/bin:/bin" };
        Runner.Run(new ProcessRequest("/usr/bin/env", [], env)).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order()
            .ShouldBe(["A=1", "PATH=/usr/bin:/bin"]);
    }

    [Fact]
    public void NoSignalIsIgnoredAndNoOtherDescriptorIsInherited()
    {
        // .NET ignores SIGPIPE; a script inheriting that would loop on a closed pipe instead of dying.
        // Standard signals only: glibc keeps its internal real-time signals (32, 33) out of posix_spawn's reach.
        var ignored = Runner.Run("/bin/grep", ["SigIgn", "/proc/self/status"]).Stdout.Split('\t')[1].Trim();
        (Convert.ToUInt64(ignored, 16) & 0x7fffffffUL).ShouldBe(0UL, $"SigIgn {ignored}");
        // ls holds one descriptor of its own (3) for the directory it lists.
        Runner.Run("/bin/ls", ["/proc/self/fd"]).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldBe(["0", "1", "2", "3"]);
    }

    [Fact]
    public void StdinCanBeAFileAndEachOutputLineIsReportedWithItsStream()
    {
        using var dir = new Support.TempDir();
        var input = dir.Join("in");
        File.WriteAllText(input, "<domain/>\n");
        var lines = new List<(ProcessStream, string)>();
        var result = Runner.Run(new ProcessRequest("/bin/sh", ["-c", "cat; echo err >&2; printf last"], StdinFile: input, OnLine: (s, l) => lines.Add((s, l))));
        result.Stdout.ShouldBe("<domain/>\nlast");
        lines.Order().ShouldBe([(ProcessStream.Stdout, "<domain/>"), (ProcessStream.Stdout, "last"), (ProcessStream.Stderr, "err")]);
    }

    [Fact]
    public void AProgramThatCannotBeExecutedIsAnIOException() =>
        Should.Throw<IOException>(() => Runner.Run("/nonexistent/program", [])).Message.ShouldContain("ENOENT");

    private static string Token() => "9" + Random.Shared.Next(100000, 999999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Processes whose command line holds <paramref name="token"/>.</summary>
    internal static List<string> Survivors(string token)
    {
        Thread.Sleep(100);
        var found = new List<string>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            try
            {
                var cmdline = File.ReadAllText(Path.Join(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains(token, StringComparison.Ordinal))
                {
                    found.Add($"{Path.GetFileName(dir)}: {cmdline}");
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return found;
    }

    [Fact]
    public void TheChildRunsInTheRootDirectory() =>
        Runner.Run("/bin/pwd", []).Stdout.ShouldBe("/\n");
}
