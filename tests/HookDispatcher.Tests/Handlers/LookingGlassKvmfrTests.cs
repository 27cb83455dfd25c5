using System.Diagnostics;
using HookDispatcher.Domain;
using HookDispatcher.Engine;
using HookDispatcher.Handlers.LookingGlass;
using HookDispatcher.Host;
using HookDispatcher.Rules;
using HookDispatcher.Tests.Rules;
using HookDispatcher.Tests.Support;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Shouldly;

namespace HookDispatcher.Tests.Handlers;

/// <summary>
/// lookingGlass with device "kvmfr" on a simulated module (<see cref="SimKvmfr"/>: its sysfs files, modprobe and
/// delete_module, and /dev/kvmfr0 as a real device node) under a temporary host root, with the real state journal.
/// The tests run as root, so the owner changes of the device node are real.
/// </summary>
public sealed class LookingGlassKvmfrTests : IDisposable, ILogEventSink
{
    private const string Rule = """{ "device": "kvmfr", "owner": "alice", "width": 2560, "height": 1440 }""";

    private readonly TempDir _root = new();
    private readonly HostFs _fs;
    private readonly StateStore _store;
    private readonly SimKvmfr _kvmfr;
    private readonly LookingGlassHandler _handler;
    private readonly Executor _executor;
    private readonly List<string> _warnings = [];

    public LookingGlassKvmfrTests()
    {
        Directory.CreateDirectory(_root.Join("etc"));
        File.WriteAllText(_root.Join("etc", "passwd"), "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\nbob:x:1001:1001::/home/bob:/bin/bash\n");
        File.WriteAllText(_root.Join("etc", "group"), "root:x:0:\nkvm:x:994:alice\nalice:x:1000:\n");
        _fs = new HostFs(_root.Path);
        _store = new StateStore(_root.Join("state"));
        _kvmfr = new SimKvmfr(_root.Path);
        _handler = new LookingGlassHandler(fs => new OwnedFiles(fs), _kvmfr, TimeSpan.FromMilliseconds(300));
        _executor = new Executor(_fs, _store, [_handler], TimeSpan.FromSeconds(5));
    }

    public void Dispose() => _root.Dispose();

    void ILogEventSink.Emit(LogEvent logEvent)
    {
        if (logEvent.Level == LogEventLevel.Warning)
        {
            _warnings.Add(logEvent.RenderMessage(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private ILogger Log => new LoggerConfiguration().WriteTo.Sink(this).CreateLogger();

    private FileOwner? Device => new OwnedFiles(_fs).Stat(Kvmfr.Device, device: true);

    private static readonly FileOwner Alice = new(1000, 994, 0b110_110_000);

    private static readonly FileOwner AsUdevMadeIt = new(0, 0, 0b110_000_000);

    private static DomainInfo Domain(string name = "win11", string commandline = "") => DomainXmlReader.Parse(
        $"<domain type='kvm' xmlns:qemu='{QemuPassthroughReader.Namespace}'><name>{name}</name><memory unit='GiB'>8</memory><devices/>{commandline}</domain>", $"{name}.xml");

    private IReadOnlyList<Step> Plan(string rule = Rule, DomainInfo? domain = null) =>
        new Planner([_handler]).Plan(new PlanContext(Stage.Prepare, RuleDir.Valid($$"""{ "lookingGlass": {{rule}} }"""), domain ?? Domain(), _fs));

    private void Prepare(string name = "win11", string rule = Rule) =>
        _executor.Apply(name, null, "prepare begin", Plan(rule, Domain(name)), undoStaleFirst: true, Log);

    private IReadOnlyList<string> Release(string name = "win11") => _executor.Release(name, Log);

    private StepRecord Record(string name = "win11") => _store.Load(name)!.Steps.Single(s => s.Id == KvmfrStep.StepId);

    [Fact]
    public void AModuleNotLoadedIsLoadedWithTheSizeNeededAndUnloadedAtRelease()
    {
        Prepare();
        _kvmfr.Calls.ShouldBe(["load kvmfr static_size_mb=64"]);
        _kvmfr.Parameter.ShouldBe("64");
        Device.ShouldBe(Alice);
        Record().As<KvmfrData>().LoadedHere.ShouldBeTrue();
        Record().As<KvmfrData>().Found.ShouldBe(new FileOwner(0, 0, Convert.ToUInt32("600", 8)));

        Release().ShouldBeEmpty();
        _kvmfr.Calls.ShouldBe(["load kvmfr static_size_mb=64", "unload kvmfr"]);
        _kvmfr.IsLoaded("kvmfr").ShouldBeFalse();
        File.Exists(_root.Join("dev", "kvmfr0")).ShouldBeFalse();
        _store.Load("win11").ShouldBeNull();
    }

    [Fact]
    public void TheUsersModuleLargeEnoughIsKeptAndLeftLoadedAndTheDeviceGetsItsOwnerAndModeBack()
    {
        _kvmfr.LoadedByUser("128");
        new OwnedFiles(_fs).SetOwner(Kvmfr.Device, new FileOwner(0, 5, 0b110_100_000), device: true);
        Prepare();
        _kvmfr.Calls.ShouldBeEmpty();
        Device.ShouldBe(Alice);
        Record().As<KvmfrData>().LoadedHere.ShouldBeFalse();
        _handler.DescribeUndo(Record()).ShouldBe([
            "give /dev/kvmfr0 back uid 0, gid 5, mode 0640, unless another running domain still uses it",
            "leave kvmfr loaded (the user's module, kept with static_size_mb=128)",
        ]);

        Release().ShouldBeEmpty();
        _kvmfr.Calls.ShouldBeEmpty();
        _kvmfr.Parameter.ShouldBe("128");
        Device.ShouldBe(new FileOwner(0, 5, 0b110_100_000));
    }

    [Fact]
    public void ASmallerModuleWhoseDeviceIsHeldOpenIsRefusedInOneLineAndTheHostIsUnchanged()
    {
        _kvmfr.LoadedByUser("32");
        _kvmfr.Hold(4242, "looking-glass-c");
        var e = Should.Throw<StepFailedException>(() => Prepare());
        e.Message.ShouldNotContain("\n");
        e.Message.ShouldContain("kvmfr is loaded with static_size_mb=32 but Looking Glass needs 64 MiB for 2560×1440");
        e.Message.ShouldContain("looking-glass-c (pid 4242) holds /dev/kvmfr0");
        _kvmfr.Calls.ShouldBeEmpty();
        _kvmfr.Parameter.ShouldBe("32");
        Device.ShouldBe(AsUdevMadeIt);
        _store.Load("win11").ShouldBeNull();
    }

    [Fact]
    public void ASmallerModuleNothingHoldsIsLoadedAgainLargerKeepingItsOtherDevicesAndLeftLoadedAtRelease()
    {
        _kvmfr.LoadedByUser("32,16");
        Prepare();
        _kvmfr.Calls.ShouldBe(["unload kvmfr", "load kvmfr static_size_mb=64,16"]);
        _kvmfr.Parameter.ShouldBe("64,16");
        Device.ShouldBe(Alice);
        Record().As<KvmfrData>().Reloaded.ShouldBeTrue();
        _handler.DescribeUndo(Record())[1].ShouldBe(
            "leave kvmfr loaded with static_size_mb=64,16 (the user's module, loaded again at prepare in place of static_size_mb=32,16); if it is not loaded, load it as it was");

        Release().ShouldBeEmpty();
        _kvmfr.Calls.Count.ShouldBe(2);
        _kvmfr.Parameter.ShouldBe("64,16");
        Device.ShouldBe(AsUdevMadeIt);
    }

    [Fact]
    public void AReloadWhoseLoadFailsGivesTheUserTheModuleBackAsItWas()
    {
        _kvmfr.LoadedByUser("32");
        _kvmfr.LoadFails = "modprobe: ERROR: could not insert 'kvmfr': Cannot allocate memory";
        var e = Should.Throw<StepFailedException>(() => Prepare());
        e.Message.ShouldContain("Cannot allocate memory");
        _kvmfr.Calls.ShouldBe(["unload kvmfr", "load kvmfr static_size_mb=64", "load kvmfr static_size_mb=32"]);
        _kvmfr.Parameter.ShouldBe("32");
        _store.Load("win11").ShouldBeNull();
    }

    [Fact]
    public void ADeviceThatNeverAppearsFailsWithinTheBoundAndThePrepareIsUndone()
    {
        _kvmfr.DeviceAppears = false;
        var clock = Stopwatch.StartNew();
        var e = Should.Throw<StepFailedException>(() => Prepare());
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(3));
        e.Message.ShouldContain("/dev/kvmfr0 did not appear within 0.3 s of /usr/sbin/modprobe kvmfr static_size_mb=64");
        e.Message.ShouldNotContain("\n");
        _kvmfr.Calls.ShouldBe(["load kvmfr static_size_mb=64", "unload kvmfr"]);
        _kvmfr.IsLoaded("kvmfr").ShouldBeFalse();
        _store.Load("win11").ShouldBeNull();
    }

    [Fact]
    public void NeitherModprobeNorTheWaitForTheDeviceHoldTheHostLock()
    {
        var freeDuringLoad = false;
        var freeDuringWait = false;
        _kvmfr.DeviceAppears = false;
        _kvmfr.OnLoad = () =>
        {
            freeDuringLoad = HostLockFree();
            _ = Task.Run(() =>
            {
                Thread.Sleep(50);
                freeDuringWait = HostLockFree();
                _kvmfr.MakeDevices(1);
            });
        };
        Prepare();
        freeDuringLoad.ShouldBeTrue();
        freeDuringWait.ShouldBeTrue();
        Device.ShouldBe(Alice);
    }

    private bool HostLockFree()
    {
        try
        {
            using var held = StateLock.ForHost(_store, TimeSpan.FromMilliseconds(50));
            return true;
        }
        catch (StateException)
        {
            return false;
        }
    }

    [Fact]
    public void APlainFileWhereTheDeviceShouldBeIsRefusedBeforeTheModuleIsLoaded()
    {
        Directory.CreateDirectory(_root.Join("dev"));
        File.WriteAllText(_root.Join("dev", "kvmfr0"), "left by QEMU");
        var e = Should.Throw<StepFailedException>(() => Prepare());
        e.Message.ShouldContain("/dev/kvmfr0 is there but is not kvmfr's device");
        e.Message.ShouldContain("rm /dev/kvmfr0");
        _kvmfr.Calls.ShouldBeEmpty();
        _store.Load("win11").ShouldBeNull();
    }

    [Fact]
    public void TwoDomainsShareTheModuleAndOnlyTheLastReleaseUnloadsItAndPutsTheOwnerBack()
    {
        Prepare("win11");
        Prepare("linux", """{ "device": "kvmfr", "owner": "bob", "group": "kvm", "sizeMiB": 32 }""");
        _kvmfr.Calls.ShouldBe(["load kvmfr static_size_mb=64"]);
        Record("linux").As<KvmfrData>().LoadedHere.ShouldBeTrue();
        Record("linux").As<KvmfrData>().Found.ShouldBe(new FileOwner(0, 0, Convert.ToUInt32("600", 8)));
        _warnings.ShouldContain(w => w.Contains("Domain win11 uses /dev/kvmfr0 too", StringComparison.Ordinal));

        Release("win11").ShouldBeEmpty();
        _kvmfr.IsLoaded("kvmfr").ShouldBeTrue();
        Device.ShouldBe(new FileOwner(1001, 994, 0b110_110_000));

        Release("linux").ShouldBeEmpty();
        _kvmfr.Calls.ShouldBe(["load kvmfr static_size_mb=64", "unload kvmfr"]);
        _kvmfr.IsLoaded("kvmfr").ShouldBeFalse();
    }

    [Fact]
    public void TwoDomainsReleasedAtOnceUnloadTheModuleAndPutTheOwnerBack()
    {
        Prepare("win11");
        Prepare("linux", """{ "device": "kvmfr", "owner": "bob", "group": "kvm", "sizeMiB": 32 }""");

        AtOnce.AfterHeldHostLock(_store, () => Release("win11"), () => Release("linux")).ShouldAllBe(failures => failures.Count == 0);

        _kvmfr.Calls.ShouldBe(["load kvmfr static_size_mb=64", "unload kvmfr"], "each decided from a ledger still listing the other would leave it loaded");
        _kvmfr.IsLoaded("kvmfr").ShouldBeFalse();
        _store.Load("win11").ShouldBeNull();
        _store.Load("linux").ShouldBeNull();
    }

    /// <summary>
    /// linux starts while win11's release is unloading kvmfr: it waits for the unload and loads the module again
    /// itself. Without the wait it shared the module win11 was about to unload, and its VM had no /dev/kvmfr0.
    /// </summary>
    [Fact]
    public async Task APrepareWaitsForAnotherDomainUnloadingTheModuleAndLoadsItAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        Prepare("win11");
        using var unloading = new ManualResetEventSlim();
        using var go = new ManualResetEventSlim();
        _kvmfr.OnUnload = () =>
        {
            unloading.Set();
            go.Wait(TimeSpan.FromSeconds(10), ct).ShouldBeTrue();
        };
        var release = Task.Run(() => Release("win11"), ct);
        unloading.Wait(TimeSpan.FromSeconds(10), ct).ShouldBeTrue("win11's release reached its unload");
        var prepare = Task.Run(() => Prepare("linux", """{ "device": "kvmfr", "owner": "bob", "group": "kvm", "sizeMiB": 32 }"""), ct);
        await Task.Delay(300, ct);
        prepare.IsCompleted.ShouldBeFalse("linux waits while win11 is still giving kvmfr back");
        go.Set();
        (await release.WaitAsync(TimeSpan.FromSeconds(10), ct)).ShouldBeEmpty();
        await prepare.WaitAsync(TimeSpan.FromSeconds(10), ct);

        _kvmfr.IsLoaded("kvmfr").ShouldBeTrue("linux's VM has its device");
        _kvmfr.Calls.ShouldBe(["load kvmfr static_size_mb=64", "unload kvmfr", "load kvmfr static_size_mb=32"]);
        Record("linux").As<KvmfrData>().LoadedHere.ShouldBeTrue();
        _kvmfr.OnUnload = null;
        Release("linux").ShouldBeEmpty();
        _kvmfr.IsLoaded("kvmfr").ShouldBeFalse();
    }

    [Fact]
    public void ASecondDomainNeedingMoreThanTheSharedModuleHoldsIsRefusedNamingTheFirst()
    {
        Prepare("linux", """{ "device": "kvmfr", "owner": "bob", "group": "kvm", "sizeMiB": 32 }""");
        var e = Should.Throw<StepFailedException>(() => Prepare("win11"));
        e.Message.ShouldContain("kvmfr is loaded with static_size_mb=32 for domain linux, which still uses /dev/kvmfr0, but Looking Glass needs 64 MiB");
        _kvmfr.Calls.ShouldBe(["load kvmfr static_size_mb=32"]);
        _store.Load("win11").ShouldBeNull();
        Device.ShouldBe(new FileOwner(1001, 994, 0b110_110_000));
    }

    [Fact]
    public void AClientStillHoldingTheDeviceAtReleaseLeavesTheModuleLoadedWithAWarningAndTheReleaseDone()
    {
        Prepare();
        _kvmfr.Hold(777, "looking-glass-c");
        Release().ShouldBeEmpty();
        _kvmfr.IsLoaded("kvmfr").ShouldBeTrue();
        _warnings.ShouldContain(w => w.Contains("kvmfr stays loaded", StringComparison.Ordinal) && w.Contains("looking-glass-c (pid 777)", StringComparison.Ordinal));
        _store.Load("win11").ShouldBeNull();
        Device.ShouldBe(AsUdevMadeIt);
    }

    [Fact]
    public void TheDryRunListsTheModprobeLineTheOwnerWriteAndWhatReleaseDoes()
    {
        var step = Plan().Single();
        step.Summary.ShouldBe("kvmfr device /dev/kvmfr0 for alice:kvm, 64 MiB");
        step.Actions.ShouldBe([
            "run /usr/sbin/modprobe kvmfr static_size_mb=64 (kvmfr is not loaded; 64 MiB for 2560×1440); unloaded again at release",
            "wait ≤ 0.3 s for /dev/kvmfr0 (a domain already using kvmfr shares it, refused if it is smaller)",
            "give /dev/kvmfr0 owner alice:kvm (1000:994), mode 0660, after journalling the owner and mode found",
            "at release, unless another running domain still uses it: give it back the owner and mode found, and unload kvmfr if it was loaded here",
        ]);
        _kvmfr.LoadedByUser("32");
        _kvmfr.Hold(4242, "looking-glass-c");
        Plan().Single().Actions[0].ShouldBe(
            "kvmfr is loaded with static_size_mb=32, too little for 64 MiB for 2560×1440: if no process holds /dev/kvmfr*, delete_module(\"kvmfr\", O_NONBLOCK) " +
            "and run /usr/sbin/modprobe kvmfr static_size_mb=64; left loaded at release (now looking-glass-c (pid 4242) holds /dev/kvmfr0: prepare would refuse)");
        _kvmfr.Calls.ShouldBeEmpty();
    }

    [Fact]
    public void TheReleaseDryRunAndForgetDescribeTheRecord()
    {
        Prepare();
        _handler.DescribeUndo(Record()).ShouldBe([
            "give /dev/kvmfr0 back uid 0, gid 0, mode 0600, unless another running domain still uses it",
            "delete_module(\"kvmfr\") (loaded by the hook), unless another running domain still uses it; held open, it stays loaded (logged)",
        ]);
        _handler.DescribeHost(Record(), _fs).ShouldBe(["/dev/kvmfr0: uid 1000, gid 994, mode 0660", "kvmfr: loaded with static_size_mb=64"]);
    }

    [Fact]
    public void WithoutTheSysfsParameterASizeThatCannotBeReadIsLoadedAgainWhenNothingHoldsIt()
    {
        // Upstream kvmfr does not show static_size_mb in sysfs; its device answers KVMFR_DMABUF_GETSIZE, which a
        // stand-in node does not, so the size is unknown and treated as too small.
        _kvmfr.LoadedByUser("128");
        File.Delete(_root.Join("sys", "module", "kvmfr", "parameters", "static_size_mb"));
        Kvmfr.SizesMiB(_fs).ShouldBeNull();
        Prepare();
        _kvmfr.Calls.ShouldBe(["unload kvmfr", "load kvmfr static_size_mb=64"]);
        Record().As<KvmfrData>().UserSizes.ShouldBeNull("the sizes the user's module had are unknown");
    }

    [Theory]
    [InlineData("""{ "device": "kvmfr", "owner": "alice", "width": 16384, "height": 16384 }""", "", "16384×16384 needs 4096 MiB but kvmfr makes devices of at most 1024 MiB")]
    [InlineData(Rule, "<qemu:commandline><qemu:arg value='-object'/><qemu:arg value='memory-backend-file,id=looking-glass,mem-path=/dev/kvmfr0,size=32M,share=yes'/></qemu:commandline>",
        "<qemu:commandline> memory-backend-file id=looking-glass maps 32 MiB of /dev/kvmfr0 but Looking Glass needs 64 MiB for 2560×1440: set its size to 67108864 (64M)")]
    [InlineData("""{ "device": "kvmfr", "owner": "carol" }""", "", "owner \"carol\" is not a user in /etc/passwd")]
    public void WhatCannotWorkIsRefusedWhilePlanning(string rule, string commandline, string message)
    {
        var e = Should.Throw<PlanException>(() => Plan(rule, Domain(commandline: commandline)));
        e.Message.ShouldStartWith("lookingGlass: ");
        e.Message.ShouldContain(message);
        _kvmfr.Calls.ShouldBeEmpty();
    }

    [Fact]
    public void AKvmfrSizeAbove1024MiBIsRefusedByTheValidatorAtSizeMiB()
    {
        const string json = """{ "lookingGlass": { "device": "kvmfr", "owner": "alice", "sizeMiB": 2048 } }""";
        var error = RuleDir.SingleError(json);
        error.Path.ShouldBe("$.lookingGlass.sizeMiB");
        error.Message.ShouldContain("kvmfr makes devices of at most 1024 MiB");
        RulesSchema.Errors(json).ShouldNotBeEmpty();
        RulesSchema.Errors("""{ "lookingGlass": { "device": "shm", "owner": "alice", "sizeMiB": 2048 } }""").ShouldBeEmpty();
        RulesSchema.Errors("""{ "lookingGlass": { "device": "kvmfr", "owner": "alice", "sizeMiB": 1024 } }""").ShouldBeEmpty();
    }
    [Fact]
    public void HookctlTestShowsTheKvmfrStepWithItsWritesOnASimulatedHost()
    {
        using var host = new SimulatedHost();
        host.Write("etc/passwd", "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n");
        host.Write("etc/group", "root:x:0:\nkvm:x:994:alice\n");
        host.Rule("win11", $$"""{ "lookingGlass": {{Rule}} }""");
        var xml = System.IO.Path.Join(host.Path, "win11.xml");
        File.WriteAllText(xml, $"<domain type='kvm' xmlns:qemu='{QemuPassthroughReader.Namespace}'><name>win11</name><memory unit='GiB'>8</memory></domain>");
        var (code, output, _) = CliRunner.Run("--config", host.ConfigPath, "test", "win11", "prepare", "--xml", xml);
        code.ShouldBe(0);
        output.ShouldContain("1. lookingGlass.kvmfr: kvmfr device /dev/kvmfr0 for alice:kvm, 64 MiB");
        output.ShouldContain("- run /usr/sbin/modprobe kvmfr static_size_mb=64 (kvmfr is not loaded; 64 MiB for 2560×1440); unloaded again at release");
        output.ShouldContain("- wait ≤ 5 s for /dev/kvmfr0");
        output.ShouldContain("- give /dev/kvmfr0 owner alice:kvm (1000:994), mode 0660, after journalling the owner and mode found");
        Directory.Exists(host.StateDir).ShouldBeFalse();
    }

    [Fact]
    public void TheRealModprobeIsGivenTheParametersAndItsFailureIsOneLineNamingTheCommand()
    {
        Assert.SkipUnless(File.Exists(KernelModules.Modprobe), $"{KernelModules.Modprobe} is not installed (Debian package kmod)");
        var modules = new KernelModules(_fs, new ProcessRunner(TimeSpan.FromSeconds(30)));
        var e = Should.Throw<ModuleException>(() => modules.Load("hookdispatcher_no_such_module", "static_size_mb=64"));
        e.Message.ShouldStartWith("/usr/sbin/modprobe hookdispatcher_no_such_module static_size_mb=64 failed (exit 1): ");
        e.Message.ShouldContain("hookdispatcher_no_such_module not found");
        e.Message.ShouldNotContain("\n");
    }
}
