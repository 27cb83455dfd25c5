namespace HookDispatcher.Engine;

/// <summary>Everything one domain holds on the host, as persisted in <c>stateDir/&lt;domain&gt;.json</c>.</summary>
internal sealed class DomainState
{
    /// <summary>
    /// The format this build writes. 1: records without sequence numbers (read as taken before any numbered one).
    /// 2: each record has <see cref="StepRecord.Seq"/>. 3: each record kind has a name of its own ("gpu.bind",
    /// "scripts.release", "lookingGlass.shm"; before, "gpu" with the action inside). 4: each record's data is typed
    /// by its kind (<see cref="RecordData"/>: numbers, lists and maps, not strings in a mini-format per handler),
    /// the kind named inside it. 1 to 3 are read by <see cref="LegacyRecords"/>. Fields a reader does not know are
    /// skipped, so a file written by a later build of the same format still reads; a file of a later format is
    /// refused by name (<see cref="StateStore"/>), never read as holding nothing.
    /// </summary>
    public const int CurrentVersion = 4;

    public int Version { get; set; } = CurrentVersion;

    public required string Domain { get; init; }

    public string? Uuid { get; set; }

    public List<StepRecord> Steps { get; init; } = [];
}
