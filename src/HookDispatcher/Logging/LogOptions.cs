namespace HookDispatcher.Logging;

/// <summary>How the hook logs: journald socket, Debug level on, and where lines go when journald is absent.</summary>
internal sealed record LogOptions(string JournalSocket, bool Verbose, TextWriter? Fallback);
