namespace HookDispatcher.Logging;

/// <summary>A libc call on the way to journald failed; the message names the call and errno.</summary>
internal sealed class JournalException(string message) : IOException(message);
