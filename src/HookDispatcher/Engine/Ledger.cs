namespace HookDispatcher.Engine;

/// <summary>
/// What every domain holds, read once from every state file under the state lock: the one place that answers
/// "what do the other domains hold" for shared pools (hugepages), shared units (cpuIsolation) and devices (gpu).
/// A state file that cannot be read is listed in <see cref="Unreadable"/> and counts as holding nothing, so one
/// damaged file does not stop every other domain from starting or stopping.
/// </summary>
internal sealed class Ledger
{
    private Ledger(IReadOnlyList<DomainState> domains, IReadOnlyList<string> unreadable)
    {
        Domains = domains;
        Unreadable = unreadable;
    }

    public static Ledger Empty { get; } = new([], []);

    /// <summary>One line per state file that could not be read (path and reason).</summary>
    public IReadOnlyList<string> Unreadable { get; }

    /// <summary>Every readable domain state, the acting domain's live one included.</summary>
    public IReadOnlyList<DomainState> Domains { get; }

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
        return new Ledger(states, each.Where(e => e.Error is not null).Select(e => e.Error!.Message).ToList());
    }

    /// <summary>The records of <paramref name="kind"/> that domains other than <paramref name="domain"/> hold, with their domain.</summary>
    public IReadOnlyList<(string Domain, StepRecord Record)> HeldByOthers(string kind, string domain) =>
        Domains.Where(s => s.Domain != domain)
            .SelectMany(s => s.Steps.Where(r => r.Kind == kind).Select(r => (s.Domain, r)))
            .ToList();

    /// <summary>Every record of <paramref name="kind"/> except <paramref name="recordId"/> of <paramref name="domain"/>: its own other records count too.</summary>
    public IReadOnlyList<(string Domain, StepRecord Record)> HeldBesides(string kind, string domain, string recordId) =>
        Domains.SelectMany(s => s.Steps.Where(r => r.Kind == kind && !(s.Domain == domain && r.Id == recordId)).Select(r => (s.Domain, r)))
            .ToList();
}
