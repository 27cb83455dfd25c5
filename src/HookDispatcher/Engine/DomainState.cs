namespace HookDispatcher.Engine;

/// <summary>Everything one domain holds on the host, as persisted in <c>stateDir/&lt;domain&gt;.json</c>.</summary>
internal sealed class DomainState
{
    public int Version { get; init; } = 1;

    public required string Domain { get; init; }

    public string? Uuid { get; set; }

    public List<StepRecord> Steps { get; init; } = [];
}
