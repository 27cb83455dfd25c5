namespace HookDispatcher.Rules;

/// <summary>When a user script runs: with one of the apply events, or only at <c>release end</c>.</summary>
internal enum ScriptAt
{
    Prepare,
    Start,
    Started,
    Release,
}

/// <summary>
/// One entry of the <c>scripts</c> section: <see cref="Run"/> at <see cref="At"/> after the built-in steps, and
/// <see cref="Undo"/> (if any) at release or when a later step fails. Arguments may hold <c>{domain}</c>.
/// </summary>
internal sealed record ScriptRule(string Name, ScriptAt At, IReadOnlyList<string> Run, IReadOnlyList<string>? Undo, int TimeoutSeconds);
