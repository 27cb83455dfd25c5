namespace HookDispatcher.Handlers.Scripts;

/// <summary>A user script was refused, failed, or ran out of time; the message names it and says why.</summary>
internal sealed class ScriptException(string message, Exception? inner = null) : Exception(message, inner);
