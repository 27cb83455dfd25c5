using HookDispatcher.Engine;
using HookDispatcher.Handlers.SleepInhibitor;
using HookDispatcher.Rules;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Handlers;

public sealed class SleepInhibitorHandlerTests
{
    [Fact]
    public void PrepareStartsTheHolderServiceAndWaitsForTheInhibitorAndReleaseStopsIt()
    {
        using var h = new EngineHarness();
        h.Run("win11", Fixtures.Rules(inhibitor: Fixtures.Inhibitor("sleep:idle")), Stage.Prepare);
        var unit = "hookdispatcher-inhibit-win11.service";
        h.Systemd.Running[unit].ShouldBe(["/usr/local/bin/hookctl", "inhibit-hold", "--bus", "unix:path=/run/dbus/system_bus_socket",
            "--what", "sleep:idle", "--why", "libvirt domain win11 is running", "--", "win11"]);
        h.Systemd.ListInhibitors().Single().What.ShouldBe("sleep:idle");
        h.Release("win11").ShouldBeEmpty();
        h.Systemd.Running.ShouldBeEmpty();
        h.Systemd.ListInhibitors().ShouldBeEmpty();
    }

    [Fact]
    public void TwoDomainsWhoseInhibitorsShareAWhyEachWaitForTheirOwnLock()
    {
        using var h = new EngineHarness();
        var shared = Fixtures.Rules(inhibitor: new SleepInhibitorRule("sleep", "a VM is running", Stage.Prepare));
        h.Run("a", shared, Stage.Prepare);
        // logind never lists b's lock: a's, with the same what and why, must not pass for it.
        h.Systemd.HiddenInhibitors.Add("b");
        Should.Throw<StepFailedException>(() => h.Run("b", shared, Stage.Prepare))
            .Message.ShouldContain("logind does not list its inhibitor (who=hookdispatcher:b, why='a VM is running')");
        h.Systemd.Running.Keys.ShouldBe(["hookdispatcher-inhibit-a.service"]);
        h.Release("a").ShouldBeEmpty();
        h.Systemd.ListInhibitors().ShouldBeEmpty();
    }

    [Fact]
    public void AStaleUnitFromACrashIsReplacedNotDuplicated()
    {
        using var h = new EngineHarness();
        h.Systemd.Running["hookdispatcher-inhibit-win11.service"] = ["/usr/local/bin/hookctl", "inhibit-hold", "--what", "sleep", "--why", "old"];
        h.Run("win11", Fixtures.Rules(inhibitor: Fixtures.Inhibitor()), Stage.Prepare);
        h.Systemd.Calls.ShouldBe(["stop hookdispatcher-inhibit-win11.service", "reset-failed hookdispatcher-inhibit-win11.service", "start hookdispatcher-inhibit-win11.service"]);
        h.Systemd.ListInhibitors().Single().Why.ShouldBe("libvirt domain win11 is running");
    }

    [Fact]
    public void AHolderThatDiedNeverBlocksReleaseNorTheNextStart()
    {
        using var h = new EngineHarness();
        const string unit = "hookdispatcher-inhibit-win11.service";
        h.Run("win11", Fixtures.Rules(inhibitor: Fixtures.Inhibitor()), Stage.Prepare);
        h.Systemd.Kill(unit); // SIGKILL, OOM: systemd keeps the unit loaded as failed
        h.Release("win11").ShouldBeEmpty();
        h.Systemd.Failed.ShouldBeEmpty();
        h.Run("win11", Fixtures.Rules(inhibitor: Fixtures.Inhibitor()), Stage.Prepare);
        h.Systemd.ListInhibitors().Single().Why.ShouldBe("libvirt domain win11 is running");
    }

    [Fact]
    public void AFailedUnitLeftWithoutStateIsResetAndReplacedAtPrepare()
    {
        using var h = new EngineHarness();
        const string unit = "hookdispatcher-inhibit-win11.service";
        h.Systemd.Failed.Add(unit);
        h.Run("win11", Fixtures.Rules(inhibitor: Fixtures.Inhibitor()), Stage.Prepare);
        h.Systemd.Calls.ShouldBe([$"reset-failed {unit}", $"start {unit}"]);
        h.Systemd.IsActive(unit).ShouldBeTrue();
    }

    [Fact]
    public void AnInhibitorThatNeverAppearsFailsPrepareAndStopsTheService()
    {
        using var h = new EngineHarness();
        h.Systemd.InhibitorsAppear = false;
        Should.Throw<StepFailedException>(() => h.Run("win11", Fixtures.Rules(inhibitor: Fixtures.Inhibitor()), Stage.Prepare))
            .Message.ShouldContain("does not list its inhibitor");
        h.Systemd.Running.ShouldBeEmpty();
        h.Store.Load("win11").ShouldBeNull();
    }

    [Fact]
    public void AFailingInhibitorGivesBackTheHugepagesTakenBeforeIt()
    {
        using var h = new EngineHarness();
        h.Systemd.InhibitorsAppear = false;
        var rules = Fixtures.Rules(Fixtures.Hugepages(16), inhibitor: Fixtures.Inhibitor());
        Should.Throw<StepFailedException>(() => h.Run("vm", rules, Stage.Prepare)).StepId.ShouldBe("sleepInhibitor");
        h.Fs.Writes.Select(w => w.Value).ShouldBe(["16", "0"]);
        h.Systemd.Running.ShouldBeEmpty();
        h.Store.Load("vm").ShouldBeNull();
    }

    [Theory]
    [InlineData("win11", "hookdispatcher-inhibit-win11.service")]
    [InlineData("win 11/ü", "hookdispatcher-inhibit-win\\x2011-\\xc3\\xbc.service")]
    [InlineData(".hidden", "hookdispatcher-inhibit-\\x2ehidden.service")]
    public void UnitNamesAreEscapedForAnyDomainName(string domain, string unit) =>
        SleepInhibitorHandler.UnitName(domain).ShouldBe(unit);

    [Fact]
    public void AVeryLongDomainNameStillGivesAValidUnitName()
    {
        var name = SleepInhibitorHandler.UnitName(new string('ü', 120));
        name.Length.ShouldBeLessThanOrEqualTo(255);
        name.ShouldMatch("^hookdispatcher-inhibit-[0-9a-f]{16}\\.service$");
    }
}
