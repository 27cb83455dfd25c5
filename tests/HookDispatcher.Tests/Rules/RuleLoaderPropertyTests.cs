using System.Text;
using CsCheck;
using HookDispatcher.Rules;
using Shouldly;

namespace HookDispatcher.Tests.Rules;

public sealed class RuleLoaderPropertyTests
{
    private static readonly string[] Fragments =
    [
        "{", "}", "[", "]", ",", ":", "\"gpu\"", "\"hugepages\"", "\"cpuIsolation\"", "\"sleepInhibitor\"", "\"count\"",
        "\"devices\"", "\"singleGpu\"", "\"hostCpus\"", "\"at\"", "\"auto\"", "true", "false", "null", "-3", "1e999",
        "99999999999999999999", "\"0000:0a:00.0\"", "\"0-3\"", "\"\"", " ", "\n", "\"\\u0000\"", "\"\\ud800\"", "ü",
    ];

    [Fact]
    public void LoadingArbitraryBytesNeverThrows() =>
        Gen.Byte.Array[0, 300].Sample(bytes => Check(bytes), iter: 2000);

    [Fact]
    public void LoadingArbitraryJsonishTextNeverThrows() =>
        Gen.OneOf(Fragments).Array[0, 60].Select(parts => string.Concat(parts)).Sample(
            text => Check(Encoding.UTF8.GetBytes(text)), iter: 3000);

    [Fact]
    public void LoadingArbitraryValuesInEverySlotNeverThrows() =>
        Gen.Select(Gen.OneOf(Fragments[6..]), Gen.OneOf(Fragments[10..]), Gen.OneOf(Fragments[15..]))
            .Sample((section, key, value) => Check(Encoding.UTF8.GetBytes($"{{{section}:{{{key}:{value}}}}}")), iter: 3000);

    private static void Check(byte[] bytes)
    {
        var errors = new List<RuleError>();
        var tree = RuleTreeReader.Read(bytes, "fuzz.json", errors);
        if (tree is { Kind: RuleNodeKind.Object })
        {
            var rules = RuleBinder.Bind(RuleTreeMerger.Merge(tree, tree), ["fuzz.json"], errors);
            rules.ShouldNotBeNull();
        }
        errors.ShouldAllBe(e => e.Line >= 1 && e.Column >= 1);
    }
}
