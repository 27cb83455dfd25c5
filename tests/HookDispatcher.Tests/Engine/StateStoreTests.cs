using HookDispatcher.Engine;
using HookDispatcher.Handlers.Hugepages;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Engine;

public sealed class StateStoreTests
{
    [Fact]
    public void StateRoundTripsWithPrivateModesAndNoTemporaryLeftBehind()
    {
        using var dir = new TempDir();
        var store = new StateStore(dir.Join("state"));
        var state = new DomainState { Domain = "win 11", Uuid = "u" };
        state.Steps.Add(TestRecords.Record("hugepages", TestRecords.Hugepages2M(16)));
        store.Save(state);
        var loaded = store.Load("win 11").ShouldNotBeNull();
        loaded.Steps.Single().As<HugepagesData>().Pages.ShouldBe(16);
        loaded.Steps.Single().Status.ShouldBe(StepStatus.Done);
        File.GetUnixFileMode(store.PathOf("win 11")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.GetUnixFileMode(store.Directory).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.GetFiles(store.Directory).Select(Path.GetFileName).ShouldBe(["win 11.json"]);
        store.LoadEach().Select(e => e.State?.Domain).ShouldBe(["win 11"]);
    }

    [Fact]
    public void AWorldReadableStateDirectoryIsTightened()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Join("state"));
        File.SetUnixFileMode(dir.Join("state"), (UnixFileMode)0x1ff);
        new StateStore(dir.Join("state")).EnsureDirectory();
        File.GetUnixFileMode(dir.Join("state")).ShouldBe((UnixFileMode)0x1c0);
    }

    [Fact]
    public void ACorruptStateFileIsReportedByPath()
    {
        using var dir = new TempDir();
        var store = new StateStore(dir.Path);
        File.WriteAllText(store.PathOf("vm"), "{ \"domain\": ");
        Should.Throw<StateException>(() => store.Load("vm")).Message.ShouldStartWith($"State file '{store.PathOf("vm")}' is corrupt");
    }

    [Fact]
    public void TheLockWaitIsBoundedAndNamesTheLockFile()
    {
        using var dir = new TempDir();
        var store = new StateStore(dir.Path);
        using var held = StateLock.ForHost(store, TimeSpan.FromSeconds(1));
        // flock locks belong to the open file description: a second open in this process contends like another process.
        var e = Should.Throw<StateException>(() => StateLock.ForHost(store, TimeSpan.FromMilliseconds(200)));
        e.Message.ShouldStartWith($"Timed out after 0.2 s waiting for '{Path.Join(dir.Path, ".lock")}'");
    }

    [Fact]
    public void TheLockIsFreeAgainAfterDispose()
    {
        using var dir = new TempDir();
        var store = new StateStore(dir.Path);
        StateLock.ForHost(store, TimeSpan.FromSeconds(1)).Dispose();
        using var again = StateLock.ForHost(store, TimeSpan.FromMilliseconds(200));
    }
}
