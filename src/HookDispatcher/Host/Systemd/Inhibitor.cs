namespace HookDispatcher.Host.Systemd;

/// <summary>One entry of logind's ListInhibitors ('(ssssuu)').</summary>
internal sealed record Inhibitor(string What, string Who, string Why, string Mode, uint Uid, uint Pid);
