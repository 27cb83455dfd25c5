namespace HookDispatcher.Rules;

internal enum RuleNodeKind
{
    Object,
    Array,
    String,
    Number,
    True,
    False,
    Null,
}
