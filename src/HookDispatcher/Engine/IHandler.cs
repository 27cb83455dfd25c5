namespace HookDispatcher.Engine;

/// <summary>One feature (hugepages, gpu, …): turns its rule section into steps and undoes its own records.</summary>
internal interface IHandler
{
    string Kind { get; }

    /// <summary>
    /// Whether its steps and undos act on what domains share and decide from what the others hold (a hugepage
    /// pool, AllowedCPUs, an IRQ mask): they then run whole under the host lock, so they must be quick. A handler
    /// whose steps wait (device binds, module loads, systemd jobs, scripts) leaves this false and runs outside it.
    /// </summary>
    bool SharesHostState => false;

    /// <summary>The steps this handler takes at the event in <paramref name="context"/> (none when not configured).</summary>
    IEnumerable<Step> Plan(PlanContext context);

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
    IReadOnlyList<string> DescribeHost(StepRecord record, Host.IHostFs fs) => [];
}
