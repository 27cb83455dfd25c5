namespace HookDispatcher.Tests.Reliability;

/// <summary>
/// Counts every host operation the hook makes (through <see cref="FaultyHostFs"/>, <see cref="FaultySystemd"/> and
/// the state store's seam) and makes the <see cref="FailAt"/>-th one fail. With <see cref="FailAt"/> 0 nothing
/// fails: that run enumerates the operations, so a new step is covered without touching the test.
/// </summary>
internal sealed class FaultPlan(int failAt)
{
    public int FailAt { get; } = failAt;

    public List<string> Operations { get; } = [];

    /// <summary>The operation that was made to fail, once it was.</summary>
    public string? Injected { get; private set; }

    /// <summary>Counts <paramref name="operation"/> and throws <paramref name="failure"/> when it is the chosen one.</summary>
    public void Hit(string operation, Func<string, Exception> failure)
    {
        Operations.Add(operation);
        if (Operations.Count == FailAt)
        {
            Injected = operation;
            throw failure($"injected failure of operation {FailAt} ({operation})");
        }
    }
}
