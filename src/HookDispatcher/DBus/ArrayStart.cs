namespace HookDispatcher.DBus;

/// <summary>Where an array's length word and its first element sit, from <see cref="MessageWriter.WriteArrayStart"/>.</summary>
internal readonly record struct ArrayStart(int LengthOffset, int ContentOffset);
