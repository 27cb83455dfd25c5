using HookDispatcher.Rules;
using HookDispatcher.Values;
using Shouldly;

namespace HookDispatcher.Tests.Rules;

/// <summary>cpuIsolation's irqs/workqueues keys and the cpuGovernor section: defaults, values, errors with their path.</summary>
public sealed class CpuGovernorAndIrqRuleTests
{
    [Fact]
    public void IsolationMovesIrqsAndWorkqueuesByDefaultAndEachCanBeSwitchedOff()
    {
        var isolation = RuleDir.Valid("""{ "cpuIsolation": true }""").CpuIsolation.ShouldNotBeNull();
        (isolation.Irqs, isolation.Workqueues).ShouldBe((true, true));
        var off = RuleDir.Valid("""{ "cpuIsolation": { "irqs": false, "workqueues": false } }""").CpuIsolation.ShouldNotBeNull();
        (off.Irqs, off.Workqueues).ShouldBe((false, false));
    }

    [Fact]
    public void GovernorTrueIsPerformanceOnTheVcpusCpusAtPrepare() =>
        RuleDir.Valid("""{ "cpuGovernor": true }""").CpuGovernor.ShouldBe(new CpuGovernorRule("performance", null, null, Stage.Prepare));

    [Fact]
    public void ExplicitGovernorValuesReachTheRecord()
    {
        var rule = RuleDir.Valid("""{ "cpuGovernor": { "governor": "schedutil", "cpus": "2-3,6", "epp": "balance_performance", "at": "started" } }""")
            .CpuGovernor.ShouldNotBeNull();
        rule.Governor.ShouldBe("schedutil");
        rule.Cpus.ShouldBe(CpuSet.Parse("2-3,6"));
        rule.Epp.ShouldBe("balance_performance");
        rule.At.ShouldBe(Stage.Started);
    }

    [Theory]
    [InlineData("""{ "cpuIsolation": { "irqs": "yes" } }""", "$.cpuIsolation.irqs", "expected true or false, got \"yes\"")]
    [InlineData("""{ "cpuIsolation": { "workqueue": false } }""", "$.cpuIsolation.workqueue", "unknown key \"workqueue\"")]
    [InlineData("""{ "cpuIsolation": { "IRQs": false } }""", "$.cpuIsolation.IRQs", "(did you mean \"irqs\"?)")]
    [InlineData("""{ "cpuGovernor": { "governor": "" } }""", "$.cpuGovernor.governor", "got \"\"")]
    [InlineData("""{ "cpuGovernor": { "governor": "perf ormance" } }""", "$.cpuGovernor.governor", "expected a word like \"performance\"")]
    [InlineData("""{ "cpuGovernor": { "governor": "../../x" } }""", "$.cpuGovernor.governor", "got \"../../x\"")]
    [InlineData("""{ "cpuGovernor": { "cpus": "" } }""", "$.cpuGovernor.cpus", "expected \"auto\" or a non-empty CPU list")]
    [InlineData("""{ "cpuGovernor": { "cpus": "3-1" } }""", "$.cpuGovernor.cpus", "got \"3-1\"")]
    [InlineData("""{ "cpuGovernor": { "cpus": 2 } }""", "$.cpuGovernor.cpus", "got 2")]
    [InlineData("""{ "cpuGovernor": { "epp": 1 } }""", "$.cpuGovernor.epp", "got 1")]
    [InlineData("""{ "cpuGovernor": { "at": "release" } }""", "$.cpuGovernor.at", "got \"release\"")]
    [InlineData("""{ "cpuGovernor": 3 }""", "$.cpuGovernor", "expected an object, true or false, got 3")]
    public void RejectsInvalidValuesNamingPathAndValue(string json, string path, string message)
    {
        var error = RuleDir.SingleError(json);
        error.Path.ShouldBe(path);
        error.Message.ShouldContain(message);
    }
}
