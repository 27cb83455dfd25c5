namespace HookDispatcher.Rules;

/// <summary>An object member; Line/Column are the key's, so "unknown key" points at the key itself.</summary>
internal sealed record RuleMember(string Name, int Line, int Column, RuleNode Value);
