using HookDispatcher.Configuration;

namespace HookDispatcher.Hook;

/// <summary>
/// The libvirt hook entry. Everything before <see cref="HookRunner"/> is the fast path taken by every event of
/// every VM: no CLI parser, no logging, no JSON serializer, no stdin read.
/// </summary>
internal static class HookEntry
{
    public static int Run(string[] args, string? configPath)
    {
        var hookEvent = HookEvent.FromArgs(args);
        if (hookEvent is null)
        {
            Console.Error.WriteLine($"hookdispatcher: usage: qemu DOMAIN OPERATION SUB-OPERATION EXTRA (got {args.Length} argument(s))");
            return ExitCodes.Invalid;
        }
        if (hookEvent.Action == HookAction.None)
        {
            return ExitCodes.Ok;
        }
        var path = HookConfig.ResolvePath(configPath);
        if (FastConfig.Read(path) is { Complete: true } dirs && !Relevant(dirs.RulesDir, dirs.StateDir, hookEvent.Domain))
        {
            return ExitCodes.Ok;
        }
        return HookRunner.Run(hookEvent, path);
    }

    /// <summary>A domain matters when it has rules, or state left from an earlier event (release needs no rules).</summary>
    private static bool Relevant(string rulesDir, string stateDir, string domain)
    {
        // Names with '/' or NUL cannot have rule files; HookRunner reports them if they ever reach it.
        if (domain.Length == 0 || domain.Contains('/') || domain.Contains('\0') || domain is "." or "..")
        {
            return true;
        }
        return File.Exists(Path.Join(rulesDir, domain + ".json"))
            || Directory.Exists(Path.Join(rulesDir, domain + ".d"))
            || File.Exists(Path.Join(stateDir, domain + ".json"));
    }
}
