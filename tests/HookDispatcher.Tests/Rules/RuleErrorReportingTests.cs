using HookDispatcher.Rules;
using Shouldly;

namespace HookDispatcher.Tests.Rules;

public sealed class RuleErrorReportingTests
{
    [Fact]
    public void EveryErrorIsReportedAtOnceWithFileLineColumnAndPath()
    {
        using var dir = new RuleDir();
        var file = dir.Write("vm.json", """
            {
              "gpu": {
                "devices": ["0000:0a:00.0", "bogus"],
                "driver": 7
              },
              "hugepages": {
                "count": -3,
                "pagesize": "2M"
              },
              "sleepInhibitor": { "what": "nap" },
              "extra": 1
            }
            """);
        var result = new RuleLoader().LoadFiles([file]);
        result.Rules.ShouldBeNull();
        result.Errors.Select(e => e.ToString()).ShouldBe(
        [
            $"{file}:3:33: $.gpu.devices[1]: expected a PCI address like \"0000:0a:00.0\", got \"bogus\"",
            $"{file}:4:15: $.gpu.driver: expected a non-empty string, got 7",
            $"{file}:7:14: $.hugepages.count: expected \"auto\" or a positive integer, got -3",
            $"{file}:8:5: $.hugepages.pagesize: unknown key \"pagesize\" (did you mean \"pageSize\"?)",
            $"{file}:10:31: $.sleepInhibitor.what: expected a colon-separated list of shutdown, sleep, idle, handle-power-key, handle-suspend-key, handle-hibernate-key, handle-lid-switch, got \"nap\" (\"nap\" is not one of them)",
            $"{file}:11:3: $.extra: unknown key \"extra\"",
        ]);
    }

    [Fact]
    public void ColumnsCountCharactersNotBytes()
    {
        var error = RuleDir.SingleError("""{ "sleepInhibitor": { "why": "ü", "at": 0 } }""");
        (error.Line, error.Column).ShouldBe((1, 41));
    }

    [Theory]
    [InlineData("{\n  \"hugepages\": {\n    \"count\": 5,\n  }\n}", 4, 3)]
    [InlineData("{\n  \"hugepages\": true // on\n}", 2, 21)]
    [InlineData("{\n  \"hugepages\": tru\n}", 2, 19)]
    [InlineData("{\n  \"hugepages\": {\n", 3, 1)]
    [InlineData("{} {}", 1, 4)]
    public void MalformedJsonReportsTheReadersPosition(string json, int line, int column)
    {
        var error = RuleDir.SingleError(json);
        (error.Line, error.Column).ShouldBe((line, column), error.ToString());
        error.Path.ShouldBe("$");
    }

    [Theory]
    [InlineData("", "file is empty")]
    [InlineData(" \n ", "file is empty")]
    [InlineData("[]", "expected an object at the top level, got an array")]
    [InlineData("\"gpu\"", "expected an object at the top level, got \"gpu\"")]
    [InlineData("null", "got null")]
    public void TheTopLevelMustBeAnObject(string json, string message) =>
        RuleDir.SingleError(json).Message.ShouldContain(message);

    [Fact]
    public void DuplicateKeysAreErrors()
    {
        var error = RuleDir.SingleError("{\n  \"hugepages\": { \"count\": 1,\n    \"count\": 2 } }");
        error.ToString().ShouldEndWith(":3:5: $.hugepages: duplicate key \"count\"");
    }

    [Fact]
    public void AByteOrderMarkIsAccepted() => RuleDir.Valid("\uFEFF{ \"hugepages\": true }");

    [Fact]
    public void DeepNestingIsAnErrorNotACrash() =>
        RuleDir.SingleError(new string('[', 10_000) + new string(']', 10_000)).Message.ShouldContain("depth");

    [Fact]
    public void FilesOverOneMebibyteAreRefused()
    {
        var error = RuleDir.SingleError("{\"$comment\": \"" + new string('x', RuleLoader.MaxFileBytes) + "\"}");
        error.Message.ShouldBe("refused: larger than 1048576 bytes");
        error.ToString().ShouldEndWith("vm.json: refused: larger than 1048576 bytes");
    }

    [Fact]
    public void AMissingFileIsAnError() =>
        new RuleLoader().LoadFiles(["/nonexistent/vm.json"]).Errors.ShouldHaveSingleItem().Message.ShouldStartWith("cannot read");
}
