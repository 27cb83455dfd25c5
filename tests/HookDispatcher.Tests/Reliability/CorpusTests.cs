using System.Security.Cryptography;
using System.Text;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.Reliability;

/// <summary>
/// Every bad input in <c>corpus/</c> (and a few too large to keep as files) through the real binary, as libvirt
/// runs it: a clear one-line error and exit 2 (or the exit code the contract demands, then silent), never a crash,
/// nothing on stdout, and the host tree, rules and state directory byte for byte as before.
/// A NUL in a domain name cannot be tested here: argv strings end at NUL, so libvirt cannot pass one either.
/// </summary>
public sealed class CorpusTests
{
    public static TheoryData<string> Cases() => new(CorpusCase.Names());

    [Theory]
    [MemberData(nameof(Cases))]
    public void ABadInputIsOneLineAndTheRightExitCodeAndTouchesNothing(string name)
    {
        var c = CorpusCase.Load(name);
        Check(c);
    }

    [Fact]
    public void ThereAreAtLeastSixtyBadInputs() => CorpusCase.Names().Count().ShouldBeGreaterThanOrEqualTo(60);

    public static TheoryData<string> Generated() => new(GeneratedCases.Keys);

    [Theory]
    [MemberData(nameof(Generated))]
    public void AHugeOrDeepInputIsRefusedTheSameWay(string name) => Check(GeneratedCases[name]());

    private static readonly Dictionary<string, Func<CorpusCase>> GeneratedCases = new(StringComparer.Ordinal)
    {
        ["xml-20MiB"] = () => Case("a 20 MiB domain XML (a huge description)", xml: SimulatedHost.DomainXml("vm").Replace("<vcpu>", "<description>" + new string('x', 20 << 20) + "</description><vcpu>", StringComparison.Ordinal)),
        // Refused at depth 65 by a forward scan, before the (depth-quadratic) tree is built.
        ["xml-nested-100k"] = () => Case("domain XML nested 100000 elements deep", xml: "<domain type='qemu'><name>vm</name>" + string.Concat(Enumerable.Repeat("<a>", 100_000)) + string.Concat(Enumerable.Repeat("</a>", 100_000)) + "</domain>"),
        ["rule-nested-10k"] = () => Case("a rule nested 10000 arrays deep", rule: "{\"hugepages\": " + new string('[', 10_000) + new string(']', 10_000) + "}"),
        ["rule-4MiB"] = () => Case("a 4 MiB rule file (one long string)", rule: "{\"sleepInhibitor\": {\"why\": \"" + new string('w', 4 << 20) + "\"}}"),
        ["rule-many-keys"] = () => Case("a rule with 100000 unknown keys", rule: "{" + string.Join(",", Enumerable.Range(0, 100_000).Select(i => $"\"k{i}\": {i}")) + "}"),
    };

    private static CorpusCase Case(string description, string? rule = """{"hugepages": {"pageSize": "2M", "count": "auto"}}""", string? xml = null) =>
        new(description, description, ["vm", "prepare", "begin", "-"], 2, null, null,
            rule is null ? null : Encoding.UTF8.GetBytes(rule), null, null, xml is null ? null : Encoding.UTF8.GetBytes(xml));

    private static void Check(CorpusCase c)
    {
        using var host = new SimulatedHost();
        host.Write("sys/devices/system/cpu/online", "0-7\n");
        if (c.Rule is { } rule)
        {
            File.WriteAllBytes(Path.Join(host.RulesDir, "vm.json"), rule);
        }
        if (c.DropIn is { } dropIn)
        {
            Directory.CreateDirectory(Path.Join(host.RulesDir, "vm.d"));
            File.WriteAllBytes(Path.Join(host.RulesDir, "vm.d", "50-extra.json"), dropIn);
        }
        if (c.State is { } state)
        {
            Directory.CreateDirectory(host.StateDir);
            File.WriteAllBytes(host.StateFile("vm"), state);
        }
        if (c.OutsideState is { } outside)
        {
            TraversalBait.Plant(host, outside);
        }
        var link = host.HookLink();
        var before = Snapshot(host.Path);
        var xml = c.Xml is { } bytes ? Encoding.UTF8.GetString(bytes) : SimulatedHost.DomainXml("vm");

        var result = HookProcess.Run(link, c.Args, xml, host.Env);

        var context = $"{c.Name} ({c.Description}): exit {result.ExitCode}, stderr '{result.Stderr}'";
        result.Stderr.ShouldNotContain("Unhandled exception", Shouldly.Case.Sensitive, context);
        result.ExitCode.ShouldBe(c.Exit, context);
        result.Stdout.ShouldBe("", context);
        if (c.Exit == 0 && c.Stderr is null)
        {
            result.Stderr.ShouldBe("", context);
        }
        else
        {
            result.Stderr.ShouldMatch("^hookdispatcher: [^\n]+\n$", context);
            result.Stderr.Length.ShouldBeLessThan(2000, context);
        }
        if (c.Stderr is { } expected)
        {
            result.Stderr.ShouldContain(expected, Shouldly.Case.Sensitive, context);
        }
        Snapshot(host.Path).ShouldBe(before, context);
    }

    /// <summary>
    /// Every entry under <paramref name="root"/> (host tree, rules, state, config), files with a hash of their bytes;
    /// the lock files aside (taking a lock is not a change).
    /// </summary>
    private static string Snapshot(string root) => string.Join("\n", Directory
        .EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
        .Where(f => !Path.GetFileName(f).EndsWith(".lock", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)
        .Select(f => File.Exists(f) && new FileInfo(f).LinkTarget is null
            ? $"{Path.GetRelativePath(root, f)} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))[..16]}"
            : Path.GetRelativePath(root, f) + "/"));
}
