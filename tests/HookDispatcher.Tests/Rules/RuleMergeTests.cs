using HookDispatcher.Rules;
using HookDispatcher.Values;
using Shouldly;

namespace HookDispatcher.Tests.Rules;

public sealed class RuleMergeTests
{
    [Fact]
    public void FilesForListsTheBaseFileThenDropInsInOrdinalOrder()
    {
        using var dir = new RuleDir();
        var main = dir.Write("vm.json", "{}");
        var b = dir.Write("vm.d/b.json", "{}");
        var upper = dir.Write("vm.d/Z.json", "{}");
        var a = dir.Write("vm.d/10-a.json", "{}");
        dir.Write("vm.d/notes.txt", "");
        dir.Write("vm.d/x.json.bak", "");
        dir.Write("other.json", "{}");
        RuleLoader.FilesFor(dir.Path, "vm").ShouldBe([main, a, upper, b]);
    }

    [Fact]
    public void ADomainWithoutFilesHasNoRulesAndNoErrors()
    {
        using var dir = new RuleDir();
        RuleLoader.FilesFor(dir.Path, "vm").ShouldBeEmpty();
        dir.Load("vm").ShouldBe(RuleLoadResult.None);
    }

    [Fact]
    public void DropInsDeepMergeObjectsAndLaterFilesWin()
    {
        using var dir = new RuleDir();
        dir.Write("vm.json", """
            { "hugepages": { "pageSize": "2M", "count": 100, "attempts": 3 },
              "cpuIsolation": { "hostCpus": "0-3", "units": ["system.slice", "user.slice"] },
              "gpu": { "devices": ["0000:01:00.0"] } }
            """);
        dir.Write("vm.d/20-later.json", """{ "hugepages": { "count": 300 } }""");
        dir.Write("vm.d/10-earlier.json", """
            { "hugepages": { "count": 200, "node": 1 }, "cpuIsolation": { "units": ["init.scope"] }, "gpu": false }
            """);
        var result = dir.Load("vm");
        result.Errors.ShouldBeEmpty();
        var rules = result.Rules.ShouldNotBeNull();
        rules.Sources.Count.ShouldBe(3);
        rules.Hugepages.ShouldBe(new HugepagesRule(ByteSize.TwoMiB, 300, 1, Escalation.IfShort, Escalation.IfShort, 3, Stage.Prepare));
        rules.CpuIsolation!.HostCpus.ShouldBe(CpuSet.Parse("0-3"));
        rules.CpuIsolation.Units.ShouldBe(["init.scope"]);
        rules.Gpu.ShouldBeNull();
    }

    [Fact]
    public void ATrueSectionThenAnObjectIsThatObjectOverDefaults()
    {
        using var dir = new RuleDir();
        dir.Write("vm.json", """{ "sleepInhibitor": true, "hugepages": { "count": 5 } }""");
        dir.Write("vm.d/50.json", """{ "sleepInhibitor": { "what": "idle" }, "hugepages": true }""");
        var rules = dir.Load("vm").Rules.ShouldNotBeNull();
        rules.SleepInhibitor.ShouldBe(new SleepInhibitorRule("idle", "libvirt domain {domain} is running", Stage.Prepare));
        rules.Hugepages!.Count.ShouldBeNull();
    }

    [Fact]
    public void ADropInDirectoryWithoutABaseFileCounts()
    {
        using var dir = new RuleDir();
        dir.Write("vm.d/only.json", """{ "hugepages": true }""");
        dir.Load("vm").Rules.ShouldNotBeNull().Hugepages.ShouldNotBeNull();
    }

    [Fact]
    public void ErrorsInADropInNameTheDropInAndItsLine()
    {
        using var dir = new RuleDir();
        var main = dir.Write("vm.json", "{\n  \"hugepages\": { \"count\": 5,\n    \"attempts\": 0 }\n}");
        var dropIn = dir.Write("vm.d/50.json", "{\n  \"hugepages\": {\n    \"count\": -1\n  }\n}");
        dir.Write("vm.d/60.json", "{ \"hugepages\": ");
        var errors = dir.Load("vm").Errors.Select(e => e.ToString()).ToList();
        errors.Count.ShouldBe(3);
        errors[0].ShouldBe($"{main}:3:17: $.hugepages.attempts: expected an integer 1..100, got 0");
        errors[1].ShouldBe($"{dropIn}:3:14: $.hugepages.count: expected \"auto\" or a positive integer, got -1");
        errors[2].ShouldStartWith($"{dir.Path}/vm.d/60.json:1:");
    }

    [Fact]
    public void AValueOverriddenByALaterFileIsNotReported()
    {
        using var dir = new RuleDir();
        dir.Write("vm.json", """{ "hugepages": { "count": -1 } }""");
        dir.Write("vm.d/50.json", """{ "hugepages": { "count": 4 } }""");
        dir.Load("vm").Errors.ShouldBeEmpty();
    }
}
