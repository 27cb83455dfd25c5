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
    public void AGrandchildHoldingThePipesCountsAsNotFinished()
    {
        // libvirtd waits for EOF on the hook's pipes; a background child keeping them open must not slip through.
        var e = Should.Throw<TimeoutException>(() => new ProcessRunner(TimeSpan.FromMilliseconds(300)).Run("/bin/sh", ["-c", "sleep 30 & exit 0"]));
        e.Message.ShouldContain("was killed");
    }

    [Fact]
    public void TheChildRunsInTheRootDirectory() =>
        Runner.Run("/bin/pwd", []).Stdout.ShouldBe("/\n");
}
