using System.Diagnostics;
using HookDispatcher.Host.Systemd;
using Shouldly;

namespace HookDispatcher.Tests.DBus;

public sealed class SystemdEscapeTests
{
    public static TheoryData<string> NastyNames() =>
    [
        "win11", "win 11/ü", "", ".", ".hidden", "a.b", "-leading", "trailing-", "a\\b", "/a//b/", "x:y_z",
        "tab\there", "new\nline", "emoji 🙂", "中文", "quote'\"", "%20", "$HOME", "*?[]", "\u00a0nbsp", "é (NFC)",
        "e\u0301 (NFD)", "..", "a..b", "@template", "~tilde", "\x7f",
    ];

    [Theory]
    [MemberData(nameof(NastyNames))]
    public void EscapingMatchesTheRealSystemdEscape(string name) =>
        SystemdEscape.UnitNamePart(name).ShouldBe(RunSystemdEscape(name));

    [Fact]
    public void ADomainNameWithSpaceSlashAndUmlautBecomesAValidUnitNamePart() =>
        SystemdEscape.UnitNamePart("win 11/ü").ShouldBe("win\\x2011-\\xc3\\xbc");

    private static string RunSystemdEscape(string name)
    {
        var start = new ProcessStartInfo("systemd-escape")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
            ArgumentList = { "--", name },
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit(10_000).ShouldBeTrue();
        process.ExitCode.ShouldBe(0);
        return output.TrimEnd('\n');
    }
}
