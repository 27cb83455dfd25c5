using HookDispatcher.Engine;
using HookDispatcher.Handlers.Hugepages;

namespace HookDispatcher.Tests.Support;

/// <summary>Typed record data as the steps journal it, for state files a test writes by hand.</summary>
internal static class TestRecords
{
    /// <summary>A share of the global 2 MiB pool (baseline 0) as <see cref="HugepagesStep"/> journals it.</summary>
    public static HugepagesData Hugepages2M(long pages, long? start = 0, long? granted = null) => new()
    {
        Pool = SimHostFs.Nr2M,
        PageSizeBytes = 2097152,
        Pages = pages,
        Baselines = new Dictionary<string, long>(StringComparer.Ordinal) { ["global"] = 0 },
        Start = start,
        Granted = granted,
    };

    public static StepRecord Record(string id, RecordData data, StepStatus status = StepStatus.Done, long seq = 0, string @event = "prepare begin") =>
        new() { Id = id, Event = @event, Status = status, Seq = seq, Data = data };
}
