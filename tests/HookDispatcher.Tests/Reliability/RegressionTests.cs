using HookDispatcher.Engine;
using HookDispatcher.Handlers.CpuIsolation;
using HookDispatcher.Handlers.Hugepages;
using HookDispatcher.Rules;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Reliability;

/// <summary>The bugs the reliability matrix found, each pinned by a test of its own.</summary>
public sealed class RegressionTests
{
    [Fact]
    public void AHostReadFailingWhilePlanningIsOneLineAndExitOneNotAnUnhandledException()
    {
        using var host = new SimulatedHost();
        host.Rule("vm1", """{ "hugepages": { "pageSize": "2M", "count": 16 } }""");
        // Unreadable MemTotal: before the fix the binary died with SIGABRT (exit 134) and a stack trace.
        File.Delete(Path.Join(host.HostRoot, "proc/meminfo"));
        Directory.CreateDirectory(Path.Join(host.HostRoot, "proc/meminfo"));

        var result = host.Hook("vm1", "prepare", "begin", SimulatedHost.DomainXml("vm1"));

        result.ExitCode.ShouldBe(1);
        result.Stderr.ShouldMatch("^hookdispatcher: vm1 prepare: hugepages: Cannot read '[^']*/proc/meminfo': [^\n]+\n$");
        host.Read(SimulatedHost.Nr2M).ShouldBe("0\n");
        File.Exists(host.StateFile("vm1")).ShouldBeFalse();
    }

    [Fact]
    public void AJournalWriteFailingAfterASuccessfulUndoIsNotReportedAsAFailedUndo()
    {
        using var dir = new TempDir();
        var fs = new SimHostFs();
        var systemd = new FakeSystemd();
        var failNextSave = false;
        var store = new StateStore(dir.Join("state"), _ =>
        {
            if (failNextSave)
            {
                failNextSave = false;
                throw new IOException("No space left on device");
            }
        });
        IHandler[] handlers = [new HugepagesHandler(), new CpuIsolationHandler(systemd)];
        var executor = new Executor(fs, store, handlers, TimeSpan.FromSeconds(5));
        var rules = Fixtures.Rules(Fixtures.Hugepages(16), cpus: Fixtures.Cpus("0-3"));
        foreach (var stage in new[] { Stage.Prepare, Stage.Started })
        {
            var steps = new Planner(handlers).Plan(new PlanContext(stage, rules, Fixtures.Domain("vm"), fs));
            executor.Apply("vm", null, stage + " begin", steps, undoStaleFirst: stage == Stage.Prepare, Fixtures.Log);
        }
        (fs.Pages, systemd.AllowedCpus["system.slice"]?.ToString()).ShouldBe((16L, "0-3"));

        // The save after undoing cpuIsolation fails; the one after hugepages catches up. Before the fix release
        // reported "cpuIsolation: Cannot write state file …" although both were undone and nothing was left.
        failNextSave = true;
        executor.Release("vm", Fixtures.Log).ShouldBeEmpty();

        (fs.Pages, systemd.AllowedCpus["system.slice"]).ShouldBe((0L, null));
        File.Exists(store.PathOf("vm")).ShouldBeFalse();
    }
}
