using System.Globalization;
using HookDispatcher.Handlers.CpuGovernor;
using HookDispatcher.Handlers.CpuIsolation;
using HookDispatcher.Handlers.Gpu;
using HookDispatcher.Handlers.Hugepages;
using HookDispatcher.Handlers.LookingGlass;
using HookDispatcher.Handlers.Scripts;
using HookDispatcher.Handlers.SleepInhibitor;
using HookDispatcher.Handlers.Units;

namespace HookDispatcher.Engine;

/// <summary>A state file of formats 1 to 3 as written: each record's data a string dictionary in its kind's own mini-format.</summary>
internal sealed class LegacyDomainState
{
    public int Version { get; set; }

    public required string Domain { get; init; }

    public string? Uuid { get; set; }

    public List<LegacyStepRecord> Steps { get; init; } = [];
}

internal sealed class LegacyStepRecord
{
    public required string Id { get; init; }

    public required string Kind { get; set; }

    public required string Event { get; init; }

    public StepStatus Status { get; set; }

    public long Seq { get; set; }

    public Dictionary<string, string> Data { get; init; } = new(StringComparer.Ordinal);
}

/// <summary>
/// One record's string data of formats 1 to 3, read as its kind's typed data (<see cref="RecordData"/>) reads it:
/// each data type's <c>FromLegacy</c> says what each old key meant. A key missing or malformed names the record.
/// </summary>
internal sealed class LegacyData(string id, IReadOnlyDictionary<string, string> data)
{
    public string Id { get; } = id;

    public IReadOnlyDictionary<string, string> Data { get; } = data;

    public bool Has(string key) => Data.ContainsKey(key);

    public string Text(string key) =>
        Data.TryGetValue(key, out var value) ? value : throw new InvalidDataException($"state record '{Id}' has no '{key}'");

    /// <summary>The value of <paramref name="key"/>; null when it is missing or empty (the old files' "none").</summary>
    public string? Optional(string key) => Data.TryGetValue(key, out var value) && value.Length > 0 ? value : null;

    public long Long(string key) => OptionalLong(key) ?? throw new InvalidDataException($"state record '{Id}' has no '{key}'");

    public long? OptionalLong(string key) =>
        Optional(key) is not { } text ? null
        : long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v
        : throw new InvalidDataException($"state record '{Id}': '{key}' is not a number: '{text}'");

    public bool Flag(string key) => Data.GetValueOrDefault(key) == "true";

    /// <summary>A comma-separated list; empty when missing.</summary>
    public List<string> List(string key) => [.. Data.GetValueOrDefault(key, "").Split(',', StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>The keys that start with <paramref name="prefix"/> (what follows it → value), in ordinal order.</summary>
    public Dictionary<string, string> Prefixed(string prefix) => Data
        .Where(d => d.Key.StartsWith(prefix, StringComparison.Ordinal) && d.Key.Length > prefix.Length)
        .OrderBy(d => d.Key, StringComparer.Ordinal)
        .ToDictionary(d => d.Key[prefix.Length..], d => d.Value, StringComparer.Ordinal);
}

/// <summary>Reads formats 1 to 3 into this build's typed records (<see cref="StateStore"/>): the one place old kinds and keys are known.</summary>
internal static class LegacyRecords
{
    /// <summary>The key format 3 marked a record being given back with (the releasing hook's pid).</summary>
    private const string ReleasingKey = "releasing";

    public static DomainState Migrate(LegacyDomainState old)
    {
        var state = new DomainState { Domain = old.Domain, Uuid = old.Uuid, Version = old.Version };
        foreach (var record in old.Steps)
        {
            var kind = old.Version < 3 ? KindBefore3(record) : record.Kind;
            var data = new LegacyData(record.Id, record.Data);
            state.Steps.Add(new StepRecord
            {
                Id = record.Id,
                Event = record.Event,
                Status = record.Status,
                Seq = record.Seq,
                Releasing = int.TryParse(data.Optional(ReleasingKey), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null,
                Data = Typed(kind, data),
            });
        }
        return state;
    }

    private static RecordData Typed(string kind, LegacyData data) => kind switch
    {
        HugepagesHandler.KindName => HugepagesData.FromLegacy(data),
        SleepInhibitorHandler.KindName => SleepInhibitorData.FromLegacy(data),
        StopUnitsHandler.KindName => StopUnitsData.FromLegacy(data),
        CpuGovernorHandler.KindName => CpuGovernorData.FromLegacy(data),
        CpuIsolationHandler.KindName => CpuIsolationData.FromLegacy(data),
        IrqAffinityStep.KindName => IrqAffinityData.FromLegacy(data),
        WorkqueueMaskStep.KindName => WorkqueueMaskData.FromLegacy(data),
        GpuRecords.Bind => GpuBindData.FromLegacy(data),
        GpuRecords.Unload => GpuUnloadData.FromLegacy(data),
        GpuRecords.ResetMethod => GpuResetMethodData.FromLegacy(data),
        GpuRecords.Framebuffer => GpuFramebufferData.FromLegacy(data),
        GpuRecords.VtConsoles => GpuVtConsolesData.FromLegacy(data),
        GpuRecords.UsersChecked => new GpuUsersCheckedData(),
        GpuRecords.LeftToLibvirt => GpuLeftToLibvirtData.FromLegacy(data),
        ScriptRecords.Script => ScriptData.FromLegacy(data),
        ScriptRecords.Release => ReleaseScriptData.FromLegacy(data),
        ScriptRecords.Tree => TreeScriptData.FromLegacy(data),
        ScriptRecords.TreeRelease => TreeReleaseData.FromLegacy(data),
        KvmfrRecord.KindName => KvmfrData.FromLegacy(data),
        ShmFileRecord.KindName => ShmFileData.FromLegacy(data),
        _ => throw new InvalidDataException($"state record '{data.Id}' is of kind '{kind}', which this build does not know"),
    };

    /// <summary>
    /// Formats 1 and 2 named one kind for all of a handler's records and told them apart inside the record
    /// (gpu: data "action"; scripts: data "type"; lookingGlass: the record id); from format 3 each record kind has
    /// its own name.
    /// </summary>
    private static string KindBefore3(LegacyStepRecord record) => record.Kind switch
    {
        // A gpu intent journalled without data changed nothing: it reads as one of the note kinds.
        "gpu" => "gpu." + record.Data.GetValueOrDefault("action", "usersChecked"),
        "scripts" => "scripts." + record.Data.GetValueOrDefault("type", "script"),
        "lookingGlass" => record.Id == "lookingGlass.kvmfr" ? "lookingGlass.kvmfr" : "lookingGlass.shm",
        _ => record.Kind,
    };
}
