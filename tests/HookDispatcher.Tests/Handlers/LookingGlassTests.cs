using HookDispatcher.Domain;
using HookDispatcher.Engine;
using HookDispatcher.Handlers.LookingGlass;
using HookDispatcher.Host;
using HookDispatcher.Rules;
using HookDispatcher.Tests.Rules;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Handlers;

/// <summary>
/// lookingGlass with device "shm", on the real file system under a temporary host root (the tests run as root, so
/// the owner changes are real): its own /etc/passwd and /etc/group, and /dev/shm.
/// </summary>
public sealed class LookingGlassTests : IDisposable
{
    private readonly TempDir _root = new();
    private readonly HostFs _fs;
    private readonly StateStore _store;
    private readonly Executor _executor;

    public LookingGlassTests()
    {
        Directory.CreateDirectory(_root.Join("etc"));
        Directory.CreateDirectory(_root.Join("dev", "shm"));
        File.WriteAllText(_root.Join("etc", "passwd"), "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\n");
        File.WriteAllText(_root.Join("etc", "group"), "root:x:0:\nkvm:x:994:alice\nalice:x:1000:\n");
        _fs = new HostFs(_root.Path);
        _store = new StateStore(_root.Join("state"));
        _executor = new Executor(_fs, _store, [Handler], TimeSpan.FromSeconds(5));
    }

    public void Dispose() => _root.Dispose();

    private LookingGlassHandler Handler => new(fs => new OwnedFiles(fs), new SimKvmfr(_root.Path), TimeSpan.FromSeconds(1));

    private string Shm => _root.Join("dev", "shm", "looking-glass");

    private static DomainInfo Domain(string shmem = "<shmem name='looking-glass'><model type='ivshmem-plain'/><size unit='M'>64</size></shmem>") =>
        DomainXmlReader.Parse($"<domain type='kvm'><name>win11</name><memory unit='GiB'>8</memory><devices>{shmem}</devices></domain>", "win11.xml");

    private IReadOnlyList<Step> Plan(string rule = """{ "owner": "alice", "width": 2560, "height": 1440 }""", DomainInfo? domain = null) =>
        new Planner([Handler]).Plan(new PlanContext(Stage.Prepare, RuleDir.Valid($$"""{ "lookingGlass": {{rule}} }"""), domain ?? Domain(), _fs));

    private void Prepare() => _executor.Apply("win11", null, "prepare begin", Plan(), undoStaleFirst: true, Fixtures.Log);

    [Theory]
    [InlineData(1920, 1080, false, 32)]
    [InlineData(2560, 1440, false, 64)]
    [InlineData(3840, 2160, false, 128)]
    [InlineData(2560, 1440, true, 128)]
    [InlineData(1, 1, false, 16)]
    public void TheAutoSizeIsFramesTimesTwoPlusTenMibRoundedUpToAPowerOfTwo(int width, int height, bool hdr, ulong mib) =>
        LookingGlassHandler.AutoSizeMiB(width, height, hdr).ShouldBe(mib);

    [Fact]
    public void PrepareCreatesTheFileForTheUserAndReleaseRemovesIt()
    {
        Plan().Single().Actions[0].ShouldBe("create /dev/shm/looking-glass (64 MiB, for 2560×1440), owner alice:kvm (1000:994), mode 0660; if it exists, give it that owner and mode");
        Prepare();
        var created = new OwnedFiles(_fs).Stat("/dev/shm/looking-glass");
        created.ShouldBe(new FileOwner(1000, 994, 0b110_110_000));
        new FileInfo(Shm).Length.ShouldBe(64L << 20);
        _executor.Release("win11", Fixtures.Log).ShouldBeEmpty();
        File.Exists(Shm).ShouldBeFalse();
    }

    [Fact]
    public void AFileThatWasThereIsReownedAndGetsItsOwnerAndModeBackNotRemoved()
    {
        File.WriteAllText(Shm, "");
        File.SetUnixFileMode(Shm, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Prepare();
        new OwnedFiles(_fs).Stat("/dev/shm/looking-glass").ShouldBe(new FileOwner(1000, 994, 0b110_110_000));
        _executor.Release("win11", Fixtures.Log).ShouldBeEmpty();
        new OwnedFiles(_fs).Stat("/dev/shm/looking-glass").ShouldBe(new FileOwner(0, 0, 0b110_000_000));
    }

    [Fact]
    public void ASymlinkPlantedInDevShmIsNeverFollowedAndItsTargetKeepsItsOwner()
    {
        var target = _root.Join("etc", "shadow");
        File.WriteAllText(target, "root:*:1::::::\n");
        File.SetUnixFileMode(target, UnixFileMode.UserRead);
        File.CreateSymbolicLink(Shm, target);
        var e = Should.Throw<StepFailedException>(Prepare);
        e.Message.ShouldContain("looking-glass");
        e.Message.ShouldContain("ELOOP");
        new OwnedFiles(_fs).Stat("/etc/shadow").ShouldBe(new FileOwner(0, 0, 0b100_000_000));
        _store.Load("win11").ShouldBeNull();
    }

    [Theory]
    [InlineData("""{ "owner": "alice", "device": "shm", "width": 2560, "height": 1440 }""", "<shmem name='looking-glass'><size unit='M'>32</size></shmem>",
        "lookingGlass: <shmem name='looking-glass'> has <size> 32 MiB but Looking Glass needs 64 MiB for 2560×1440: set <size unit='M'>64</size>")]
    [InlineData("""{ "owner": "alice" }""", "", "lookingGlass: the domain XML has no <shmem name='looking-glass'>")]
    [InlineData("""{ "owner": "alice" }""", "<shmem name='a'/><shmem name='b'/>", "several ivshmem-plain <shmem> devices (a, b)")]
    [InlineData("""{ "owner": "alice" }""", "<shmem name='looking-glass'><server path='/run/ivshmem.sock'/></shmem>", "has no <shmem name='looking-glass'><model")]
    [InlineData("""{ "owner": "bob", "sizeMiB": 64 }""", "<shmem name='lg'/>", "lookingGlass: owner \"bob\" is not a user in /etc/passwd")]
    [InlineData("""{ "owner": "alice", "group": "video", "sizeMiB": 64 }""", "<shmem name='lg'/>", "group \"video\" is not a group in /etc/group")]
    public void WhatCannotWorkIsRefusedWhilePlanningInOneLine(string rule, string shmem, string message)
    {
        var e = Should.Throw<PlanException>(() => Plan(rule, Domain(shmem)));
        e.Message.ShouldStartWith(message.StartsWith("lookingGlass:", StringComparison.Ordinal) ? message : "lookingGlass: ");
        e.Message.ShouldContain(message.Replace("lookingGlass: ", "", StringComparison.Ordinal));
        e.Message.ShouldNotContain("\n");
        Directory.EnumerateFileSystemEntries(_root.Join("dev", "shm")).ShouldBeEmpty();
    }

    [Fact]
    public void AShmemSizeWithoutAUnitIsBytesAsLibvirtReadsIt() =>
        Domain("<shmem name='lg'><size>67108864</size></shmem>").SharedMemory.Single().SizeBytes.ShouldBe(64UL << 20);

    [Theory]
    [InlineData("""{ "lookingGlass": { "width": 1920 } }""", "$.lookingGlass", "no \"owner\"")]
    [InlineData("""{ "lookingGlass": { "owner": "alice", "sizeMiB": 48 } }""", "$.lookingGlass.sizeMiB", "a power of two")]
    [InlineData("""{ "lookingGlass": { "owner": "alice", "mode": "0770" } }""", "$.lookingGlass.mode", "without execute bits")]
    [InlineData("""{ "lookingGlass": { "owner": "Alice Smith" } }""", "$.lookingGlass.owner", "got \"Alice Smith\"")]
    [InlineData("""{ "lookingGlass": { "owner": "alice", "device": "ivshmem" } }""", "$.lookingGlass.device", "\"shm\" or \"kvmfr\"")]
    [InlineData("""{ "lookingGlass": { "owner": "alice", "at": "started" } }""", "$.lookingGlass.at", "got \"started\"")]
    public void BadLookingGlassRulesAreRefusedNamingPathAndValue(string json, string path, string message)
    {
        var error = RuleDir.SingleError(json);
        error.Path.ShouldBe(path);
        error.Message.ShouldContain(message);
    }
}
