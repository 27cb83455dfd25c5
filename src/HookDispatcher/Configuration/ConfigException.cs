namespace HookDispatcher.Configuration;

/// <summary>The global config file is missing or wrong; the message is one line naming the file.</summary>
internal sealed class ConfigException(string message) : Exception(message);
