namespace HookDispatcher.Hook;

/// <summary>What the dispatcher does for a libvirt (operation, sub-operation) pair.</summary>
internal enum HookAction
{
    /// <summary>Nothing, exit 0, print nothing (stopped, attach, migrate, restore, unknown operations).</summary>
    None,
    Apply,
    Release,
    Reconnect,

    /// <summary><c>stopped end</c>: only a VFIO-Tools tree's <c>stopped/end/</c> scripts run; never fails.</summary>
    Stopped,
}

/// <summary>The four hook arguments: <c>DOMAIN OP SUBOP EXTRA</c> ("-" for a missing value).</summary>
internal sealed record HookEvent(string Domain, string Operation, string SubOperation, string Extra)
{
    public string Name => $"{Operation:l} {SubOperation}";

    public HookAction Action => (Operation, SubOperation) switch
    {
        ("prepare" or "start" or "started", "begin") => HookAction.Apply,
        ("release", "end") => HookAction.Release,
        ("reconnect", "begin") => HookAction.Reconnect,
        ("stopped", "end") => HookAction.Stopped,
        // migrate and restore are filters (stdout replaces the XML): they must stay silent.
        _ => HookAction.None,
    };

    public Rules.Stage? Stage => Operation switch
    {
        "prepare" => Rules.Stage.Prepare,
        "start" => Rules.Stage.Start,
        "started" => Rules.Stage.Started,
        _ => null,
    };

    /// <summary>libvirt always passes four arguments; fewer is a usage error, extra ones are ignored.</summary>
    public static HookEvent? FromArgs(ReadOnlySpan<string> args) =>
        args.Length < 4 ? null : new HookEvent(args[0], args[1], args[2], args[3]);
}
