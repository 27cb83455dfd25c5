using HookDispatcher.Host;
using Serilog;

namespace HookDispatcher.Engine;

/// <summary>The host a step or an undo acts on, with what every other domain holds (<see cref="Ledger"/>).</summary>
internal sealed record ExecContext(string Domain, IHostFs Fs, StateStore Store, ILogger Log, Ledger Ledger)
{
    /// <summary>Records of other domains, of one kind, that may hold a share of a pool.</summary>
    public IReadOnlyList<StepRecord> OtherDomainsRecords(string kind) =>
        Ledger.HeldByOthers(kind, Domain).Select(h => h.Record).ToList();
}
