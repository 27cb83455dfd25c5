namespace HookDispatcher.Engine;

/// <summary>A state file that could not be read: whose it is and why (what it holds is unknown).</summary>
internal sealed record UnreadableState(string Path, string Domain, string Message);

/// <summary>
/// What every domain holds, read from every state file: the one place that answers "who holds this resource, in
/// the order they took it" for shared pools (hugepages), shared units and kernel files (cpuIsolation, cpuGovernor)
/// and devices (gpu). Records are ordered by the sequence number each took when first journalled (older files
/// without one come first, by domain name), so "the first holder" is the domain that took the resource first.
/// A state file that cannot be read is listed in <see cref="Unreadable"/>: it never counts as holding nothing
/// where that matters (<see cref="DomainRun.Context"/> refuses shared changes while one is there).
/// </summary>
internal sealed class Ledger
{
    private Ledger(IReadOnlyList<DomainState> domains, IReadOnlyList<UnreadableState> unreadable)
    {
        Domains = domains;
        Unreadable = unreadable;
        Records = domains
            .SelectMany(s => s.Steps.Select(r => (s.Domain, Record: r)))
            .OrderBy(h => h.Record.Seq).ThenBy(h => h.Domain, StringComparer.Ordinal)
            .ToList();
    }

    public static Ledger Empty { get; } = new([], []);

    /// <summary>The state files that could not be read (path, domain and reason).</summary>
    public IReadOnlyList<UnreadableState> Unreadable { get; }

    /// <summary>Every readable domain state, the acting domain's live one included.</summary>
    public IReadOnlyList<DomainState> Domains { get; }

    /// <summary>Every record of every domain, in the order they were taken.</summary>
    public IReadOnlyList<(string Domain, StepRecord Record)> Records { get; }

    /// <summary>The sequence number the next record journalled takes.</summary>
    public long NextSeq => Records.Count == 0 ? 1 : Math.Max(1, Records.Max(h => h.Record.Seq) + 1);

    /// <summary>
    /// Reads every state file; <paramref name="live"/>, the acting domain's state as the executor keeps it, stands
    /// for that domain's file, so records it adds during the event are seen too.
    /// </summary>
    public static Ledger Load(StateStore store, DomainState? live = null)
    {
        var each = store.LoadEach();
        var states = each.Select(e => e.State).OfType<DomainState>().Where(s => s.Domain != live?.Domain).ToList();
        if (live is not null)
        {
            states.Add(live);
        }
        var unreadable = each
            .Where(e => e.Error is not null && Path.GetFileNameWithoutExtension(e.Path) != live?.Domain)
            .Select(e => new UnreadableState(e.Path, Path.GetFileNameWithoutExtension(e.Path), e.Error!.Message))
            .ToList();
        return new Ledger(states, unreadable);
    }

    /// <summary>
    /// Who holds what <paramref name="holds"/> selects among the records of <paramref name="kind"/>, in the order
    /// they took it; <paramref name="except"/> (a domain, or a domain's one record) is left out.
    /// </summary>
    public IReadOnlyList<(string Domain, StepRecord Record)> Holders(string kind, Func<StepRecord, bool>? holds = null, string? exceptDomain = null, string? exceptRecord = null) =>
        Records.Where(h => h.Record.Kind == kind && (holds is null || holds(h.Record)) &&
                           !(h.Domain == exceptDomain && (exceptRecord is null || h.Record.Id == exceptRecord)))
            .ToList();

    /// <summary>The records of <paramref name="kind"/> that domains other than <paramref name="domain"/> hold, with their domain, in the order taken.</summary>
    public IReadOnlyList<(string Domain, StepRecord Record)> HeldByOthers(string kind, string domain) =>
        Holders(kind, exceptDomain: domain);

    /// <summary>Every record of <paramref name="kind"/> except <paramref name="recordId"/> of <paramref name="domain"/>: its own other records count too.</summary>
    public IReadOnlyList<(string Domain, StepRecord Record)> HeldBesides(string kind, string domain, string recordId) =>
        Holders(kind, exceptDomain: domain, exceptRecord: recordId);
}
