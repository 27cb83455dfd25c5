namespace HookDispatcher.Engine;

/// <summary>A state file or the state directory cannot be read, written or trusted.</summary>
internal sealed class StateException(string message, Exception? inner = null) : Exception(message, inner);
