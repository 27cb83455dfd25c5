namespace HookDispatcher.Rules;

/// <summary>Turns one JSON value into a typed value; returns null on success, else the error message.</summary>
internal delegate string? RuleConverter<T>(RuleNode node, out T value);
