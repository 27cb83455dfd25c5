using Serilog;

namespace HookDispatcher.Engine;

/// <summary>The executor's reconnect: records checked against the host, each under the lock its kind needs.</summary>
internal sealed partial class Executor
{
    /// <summary>
    /// <c>reconnect</c>: every record checked against the host by its handler, repaired where safe. Never throws: a
    /// failure here would make libvirt kill the running VM, so what cannot be checked becomes a problem finding.
    /// </summary>
    public IReadOnlyList<Finding> Reconcile(string domain, ILogger log)
    {
        try
        {
            return WithState(domain, log, ReconcileAll) ?? [];
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            log.Warning("Reconnect could not check what {Domain:l} holds: {Reason:l}", domain, e.Message);
            return [Finding.Problem($"could not check: {e.Message}")];
        }
    }

    private List<Finding> ReconcileAll(DomainRun run)
    {
        var findings = new List<Finding>();
        foreach (var record in run.State.Steps)
        {
            var stepLog = run.Log.ForContext("HOOK_STEP", record.Id);
            foreach (var finding in ReconcileOne(record, run, stepLog))
            {
                if (finding.Kind == FindingKind.Ok)
                {
                    stepLog.Information("Reconnect: {Finding:l}", finding.Message);
                }
                else
                {
                    stepLog.Warning(finding.Kind == FindingKind.Repaired ? "Reconnect repaired: {Finding:l}" : "Reconnect: {Finding:l}", finding.Message);
                }
                findings.Add(finding);
            }
        }
        return findings;
    }

    private IReadOnlyList<Finding> ReconcileOne(StepRecord record, DomainRun run, ILogger stepLog)
    {
        if (record.Status == StepStatus.Intent)
        {
            return [Finding.Problem($"{record.Id} was interrupted ({record.Event}) and may be partly applied; release undoes it")];
        }
        try
        {
            var kind = _kinds.Of(record);
            if (kind is null)
            {
                return [Finding.Problem($"{record.Id}: no record kind '{record.Kind}' in this build")];
            }
            using (run.HostIf(kind.SharesHostState))
            {
                return kind.Reconcile(record, run.Context(stepLog, kind.SharesHostState));
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return [Finding.Problem($"{record.Id}: could not check: {e.Message}")];
        }
    }
}
