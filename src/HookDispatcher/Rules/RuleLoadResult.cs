namespace HookDispatcher.Rules;

/// <summary>
/// Rules is null when there is any error, or when the domain has no rule file at all (then Errors is empty too).
/// </summary>
internal sealed record RuleLoadResult(RuleSet? Rules, IReadOnlyList<RuleError> Errors)
{
    public static RuleLoadResult None { get; } = new(null, []);

    public bool IsValid => Errors.Count == 0;
}
