namespace HookDispatcher.Tests.Logging;

/// <summary>One entry as the test journal received it, and whether it came as a memfd.</summary>
internal sealed record JournalEntry(IReadOnlyList<(string Name, string Value)> Fields, bool ViaMemfd, int Seals)
{
    public string this[string name] => Fields.Single(f => f.Name == name).Value;

    public IEnumerable<string> Names => Fields.Select(f => f.Name);
}
