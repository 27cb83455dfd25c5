using System.Text;
using CsCheck;
using HookDispatcher.Configuration;
using HookDispatcher.Hook;
using HookDispatcher.Tests.Support;

namespace HookDispatcher.Tests.Reliability;

/// <summary>
/// The config file is read on every event of a domain with rules (and its two directories on every event at all):
/// whatever it holds, the fast scan never throws and the full loader fails only with a <see cref="ConfigException"/>.
/// The rule loader, domain XML reader, CPU lists, sizes and PCI addresses have theirs next to their own tests.
/// </summary>
public sealed class ConfigPropertyTests
{
    private static readonly string[] Fragments =
    [
        "{", "}", "[", "]", ",", ":", "\"rulesDir\"", "\"stateDir\"", "\"hostRoot\"", "\"systemBus\"", "\"lockTimeoutSeconds\"",
        "\"journalSocket\"", "\"x\"", "\"\"", "\"/tmp\"", "\"rel/dir\"", "0", "-1", "1e999", "600.5", "null", "true", " ", "\n",
        "// c\n", "/*", "\"\\u0000\"", "ü",
    ];

    [Fact]
    public void AnyConfigTextFailsOnlyWithAConfigException()
    {
        using var dir = new TempDir();
        var path = dir.Join("config.json");
        Gen.OneOf(Gen.OneOf(Fragments).Array[0, 40].Select(string.Concat), Gen.String).Sample(text =>
        {
            File.WriteAllText(path, text, Encoding.UTF8);
            FastConfig.Read(path, []);
            try
            {
                ConfigLoader.Load(path, []);
            }
            catch (ConfigException)
            {
            }
        }, iter: 500, threads: 1);
    }
}
