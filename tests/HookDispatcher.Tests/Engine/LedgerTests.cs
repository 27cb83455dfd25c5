using HookDispatcher.Engine;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Engine;

public sealed class LedgerTests
{
    [Fact]
    public void AnUnreadableStateFileIsReportedAndOtherDomainsStillStartAndStop()
    {
        using var h = new EngineHarness();
        h.Prepare("a", Fixtures.Hugepages(16));
        h.Store.EnsureDirectory();
        File.WriteAllText(Path.Join(h.Store.Directory, "broken.json"), "{ not json");

        var ledger = Ledger.Load(h.Store);
        ledger.Domains.Select(d => d.Domain).ShouldBe(["a"]);
        ledger.Unreadable.Single().ShouldStartWith($"State file '{Path.Join(h.Store.Directory, "broken.json")}' is corrupt");

        h.Prepare("b", Fixtures.Hugepages(8));
        h.Fs.Pages.ShouldBe(24);
        h.Release("b").ShouldBeEmpty();
        h.Release("a").ShouldBeEmpty();
        h.Fs.Pages.ShouldBe(0);
    }

    [Fact]
    public void TheLedgerSeesTheActingDomainsLiveStateAndTheOthersFiles()
    {
        using var h = new EngineHarness();
        h.Prepare("other", Fixtures.Hugepages(4));
        var live = new DomainState { Domain = "me" };
        live.Steps.Add(new StepRecord { Id = "x", Kind = "hugepages", Event = "prepare begin" });
        live.Steps.Add(new StepRecord { Id = "y", Kind = "hugepages", Event = "prepare begin" });
        var ledger = Ledger.Load(h.Store, live);
        ledger.HeldByOthers("hugepages", "me").Select(r => r.Domain).ShouldBe(["other"]);
        ledger.HeldBesides("hugepages", "me", "x").Select(r => $"{r.Domain}/{r.Record.Id}").ShouldBe(["other/hugepages:2048kB", "me/y"]);
    }

    [Fact]
    public void StatusListsTheReadableDomainsAndNamesTheUnreadableFile()
    {
        using var host = new SimulatedHost();
        host.Rule("vm1", """{ "hugepages": { "pageSize": "2M", "count": 4 } }""");
        CliRunner.Run("--config", host.ConfigPath, "test", "vm1", "prepare", "--xml", host.DomainXmlFile("vm1"), "--apply").Code.ShouldBe(0);
        File.WriteAllText(Path.Join(host.StateDir, "broken.json"), "");

        var (code, stdout, stderr) = CliRunner.Run("--config", host.ConfigPath, "status");
        code.ShouldBe(1);
        stdout.ShouldContain("vm1:");
        stdout.ShouldContain("hugepages:2048kB [done]");
        stderr.ShouldContain("broken.json");
        CliRunner.Run("--config", host.ConfigPath, "release", "vm1").Code.ShouldBe(0);
    }
}
