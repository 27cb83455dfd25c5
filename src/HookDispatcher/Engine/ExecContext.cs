using HookDispatcher.Host;
using Serilog;

namespace HookDispatcher.Engine;

/// <summary>The host a step or an undo acts on, with what every other domain holds (<see cref="Ledger"/>).</summary>
internal sealed record ExecContext(string Domain, IHostFs Fs, StateStore Store, ILogger Log, Ledger Ledger)
{
    /// <summary>The event's journal of this domain (<see cref="DomainRun.Context"/> makes every context).</summary>
    internal required DomainRun Run { get; init; }

    /// <summary>
    /// For an undo outside the host lock of what other domains may hold too: decides, against the ledger as it is
    /// under the lock, what this domain still gives back (narrowing the record's data), and journals it there (<see cref="DomainRun.LetGo"/>).
    /// False when another domain holds it all (the record is dropped; nothing to undo).
    /// </summary>
    public bool LetGo(StepRecord record, Func<Ledger, bool> keep) => Run.LetGo(record, keep);

    /// <summary>Records of other domains, of one kind, that may hold a share of a pool.</summary>
    public IReadOnlyList<StepRecord> OtherDomainsRecords(string kind) =>
        Ledger.HeldByOthers(kind, Domain).Select(h => h.Record).ToList();
}
