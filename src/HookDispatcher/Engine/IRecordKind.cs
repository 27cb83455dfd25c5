using HookDispatcher.Host;

namespace HookDispatcher.Engine;

/// <summary>
/// What one kind of state record means, in one place: how it is undone (and whether that acts on what domains
/// share), checked after a libvirtd restart and described. A step names the kind of the record it journals
/// (<see cref="Step.Kind"/> = <see cref="Name"/>) and applies it; its kind undoes it. Handlers only plan: they list
/// the kinds their steps journal (<see cref="IHandler.RecordKinds"/>), and the executor finds a record's kind by
/// its name alone, so nothing inside a record decides what its undo does.
/// </summary>
internal interface IRecordKind
{
    /// <summary>The name journalled in each record of this kind (<see cref="StepRecord.Kind"/>).</summary>
    string Name { get; }

    /// <summary>
    /// Whether its steps and undos act on what domains share and decide from what the others hold (a hugepage
    /// pool, AllowedCPUs, an IRQ mask): they then run whole under the host lock, so they must be quick. A kind
    /// whose steps wait (device binds, module loads, systemd jobs, scripts) leaves this false and runs outside it.
    /// </summary>
    bool SharesHostState => false;

    /// <summary>Reverts one record. Must be safe for an <see cref="StepStatus.Intent"/> record whose change never happened.</summary>
    void Undo(StepRecord record, ExecContext context);

    /// <summary>The writes <see cref="Undo"/> would make, for the dry run of release.</summary>
    IReadOnlyList<string> DescribeUndo(StepRecord record);

    /// <summary>
    /// After libvirtd restarted with the VM running (<c>reconnect</c>): checks that the host still shows what the
    /// record holds and repairs what is safe to repair while the VM runs. Never stops the VM; may throw (the
    /// executor reports it as a problem).
    /// </summary>
    IReadOnlyList<Finding> Reconcile(StepRecord record, ExecContext context) => [];

    /// <summary>What the host shows now for what the record holds (for <c>hookctl forget</c>); read-only.</summary>
    IReadOnlyList<string> DescribeHost(StepRecord record, IHostFs fs) => [];
}

/// <summary>Every record kind the handlers journal, by name.</summary>
internal sealed class RecordKinds
{
    private readonly Dictionary<string, IRecordKind> _byName;

    public RecordKinds(IEnumerable<IHandler> handlers)
    {
        _byName = new Dictionary<string, IRecordKind>(StringComparer.Ordinal);
        foreach (var kind in handlers.SelectMany(h => h.RecordKinds))
        {
            if (!_byName.TryAdd(kind.Name, kind))
            {
                throw new InvalidOperationException($"two record kinds are named '{kind.Name}'");
            }
        }
    }

    /// <summary>The kind of <paramref name="record"/>; null for a kind no handler journals (another version's).</summary>
    public IRecordKind? Of(StepRecord record) => _byName.GetValueOrDefault(record.Kind);

    /// <summary>Whether records of <paramref name="name"/> run under the host lock.</summary>
    public bool SharesHostState(string name) => _byName.GetValueOrDefault(name)?.SharesHostState ?? false;
}
