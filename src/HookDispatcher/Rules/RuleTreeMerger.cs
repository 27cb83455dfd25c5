namespace HookDispatcher.Rules;

/// <summary>
/// Drop-in merging, systemd style: later files win; objects merge key by key, everything else (arrays, scalars,
/// <c>true</c>/<c>false</c> sections) is replaced whole. Nodes keep their origin, so errors still name their file.
/// </summary>
internal static class RuleTreeMerger
{
    public static RuleNode Merge(RuleNode lower, RuleNode upper)
    {
        if (lower.Kind != RuleNodeKind.Object || upper.Kind != RuleNodeKind.Object)
        {
            return upper;
        }
        var members = new List<RuleMember>(lower.Members);
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < members.Count; i++)
        {
            index[members[i].Name] = i;
        }
        foreach (var member in upper.Members)
        {
            if (index.TryGetValue(member.Name, out var at))
            {
                members[at] = member with { Value = Merge(members[at].Value, member.Value) };
            }
            else
            {
                index[member.Name] = members.Count;
                members.Add(member);
            }
        }
        return upper.WithMembers(members);
    }
}
