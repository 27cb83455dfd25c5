using HookDispatcher.Host;
using Serilog;

namespace HookDispatcher.Engine;

/// <summary>The host a step or an undo acts on, with the state of every other domain for shared pools.</summary>
internal sealed record ExecContext(string Domain, IHostFs Fs, StateStore Store, ILogger Log)
{
    /// <summary>Records of other domains, of one kind, that may hold a share of a pool.</summary>
    public IReadOnlyList<StepRecord> OtherDomainsRecords(string kind) =>
        Store.LoadAll()
            .Where(s => s.Domain != Domain)
            .SelectMany(s => s.Steps)
            .Where(r => r.Kind == kind)
            .ToList();
}
