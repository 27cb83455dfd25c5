namespace HookDispatcher.DBus;

/// <summary>One entry of systemd's ExecStart ('(sasb)'): the binary, the full argv (argv[0] included), ignore-failure.</summary>
internal sealed record ExecCommand(string Path, IReadOnlyList<string> Argv, bool IgnoreFailure = false);
