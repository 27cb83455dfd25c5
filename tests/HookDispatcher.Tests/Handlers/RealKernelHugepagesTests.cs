using HookDispatcher.Engine;
using HookDispatcher.Handlers.Hugepages;
using HookDispatcher.Host;
using HookDispatcher.Rules;
using HookDispatcher.Tests.Support;
using HookDispatcher.Values;
using Shouldly;

namespace HookDispatcher.Tests.Handlers;

/// <summary>
/// The hugepage handler on this machine's real kernel (the developers' and CI machines are VMs where we are
/// root). Each test restores the pool count it found.
/// </summary>
[Collection(RealKernel.Collection)]
public sealed class RealKernelHugepagesTests
{
    [Fact]
    public void PagesAppearInProcMeminfoWhileHeldAndGoAwayOnRelease()
    {
        using var exclusive = RealKernel.RequireRootWithHugepages();
        using var dir = new TempDir();
        var fs = new HostFs("/");
        var pool = new HugepagePool(ByteSize.TwoMiB, null);
        var original = pool.Read(fs);
        var store = new StateStore(dir.Join("state"));
        var executor = new Executor(fs, store, [new HugepagesHandler()], TimeSpan.FromSeconds(5));
        var rules = Fixtures.Rules(Fixtures.Hugepages(8));
        var steps = new Planner([new HugepagesHandler()]).Plan(new PlanContext(Stage.Prepare, rules, Fixtures.Domain("real"), fs));
        try
        {
            executor.Apply("real", null, "prepare begin", steps, undoStaleFirst: true, Fixtures.Log);
            MemInfo.Read(fs, "HugePages_Total").ShouldBe((ulong)(original + 8));
            executor.Release("real", Fixtures.Log).ShouldBeEmpty();
            MemInfo.Read(fs, "HugePages_Total").ShouldBe((ulong)original);
        }
        finally
        {
            pool.Write(fs, original);
        }
    }

    [Fact]
    public void TheSeedRecipeKnobsAreAcceptedByTheKernel()
    {
        using var exclusive = RealKernel.RequireRootWithHugepages();
        using var dir = new TempDir();
        var fs = new HostFs("/");
        var pool = new HugepagePool(ByteSize.TwoMiB, null);
        var original = pool.Read(fs);
        var executor = new Executor(fs, new StateStore(dir.Join("state")), [new HugepagesHandler()], TimeSpan.FromSeconds(5));
        var rules = Fixtures.Rules(Fixtures.Hugepages(4, drop: Escalation.Always, compact: Escalation.Always));
        var steps = new Planner([new HugepagesHandler()]).Plan(new PlanContext(Stage.Prepare, rules, Fixtures.Domain("recipe"), fs));
        try
        {
            executor.Apply("recipe", null, "prepare begin", steps, undoStaleFirst: true, Fixtures.Log);
            pool.Read(fs).ShouldBe(original + 4);
        }
        finally
        {
            executor.Release("recipe", Fixtures.Log);
            pool.Write(fs, original);
        }
        pool.Read(fs).ShouldBe(original);
    }
}

internal static class RealKernel
{
    /// <summary>Tests that change the real hugepage pool run one at a time.</summary>
    public const string Collection = "real kernel";

    /// <summary>
    /// Skips without root or hugepages; otherwise takes the machine-wide lock that keeps test runs of other checkouts
    /// (each an xunit process of its own) from changing the same pools at the same time. Dispose it at the test's end.
    /// </summary>
    public static IDisposable RequireRootWithHugepages()
    {
        if (Host.LibC.GetEuid() != 0 || !File.Exists("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"))
        {
            Assert.Skip("needs root and a kernel with 2048kB hugepages");
        }
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            try
            {
                // FileShare.None is an exclusive flock(2) on Linux: released when the file is closed or the process dies.
                return new FileStream("/run/lock/hookdispatcher-tests-real-kernel.lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100);
            }
        }
    }
}

[CollectionDefinition(RealKernel.Collection, DisableParallelization = true)]
public sealed class RealKernelCollection;
