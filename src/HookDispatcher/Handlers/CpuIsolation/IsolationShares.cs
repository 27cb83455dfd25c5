using HookDispatcher.Engine;
using HookDispatcher.Values;

namespace HookDispatcher.Handlers.CpuIsolation;

/// <summary>
/// The multi-VM accounting the kernel-file steps of cpuIsolation share with AllowedCPUs: the host gets the
/// intersection of every isolating domain's host set, and each file's value to restore is the one found before the
/// first of them changed it (carried over from the earliest other record that has it).
/// </summary>
internal static class IsolationShares
{
    /// <summary>The host set with this domain's <paramref name="host"/> added to the other holders'; never empty.</summary>
    public static CpuSet Target(IReadOnlyList<StepRecord> others, CpuSet host)
    {
        var target = others.Count == 0 ? host : CpuIsolationHandler.Intersection(others).Intersect(host);
        return target.IsEmpty
            ? throw new InvalidOperationException(
                $"no CPU is left for the host: this domain allows {host}, the other running domains allow {CpuIsolationHandler.Intersection(others)}")
            : target;
    }

    /// <summary>What the remaining holders allow once this domain is gone; null when none is left (restore the originals).</summary>
    public static CpuSet? Remaining(IReadOnlyList<StepRecord> others) => others.Count == 0 ? null : CpuIsolationHandler.Intersection(others);

    /// <summary>
    /// The value of a file found before the first holder changed it: the first of the other holders' records (in
    /// the order taken) that has one (<paramref name="found"/>, null where a record has none), else the file now.
    /// </summary>
    public static string Original(IEnumerable<string?> found, Func<string> current) =>
        found.FirstOrDefault(v => v is not null) ?? current();

    /// <summary>"24-26,28-43": numbers (IRQs) in list syntax, for logs and the dry run.</summary>
    public static string Ranges(IEnumerable<int> numbers) =>
        numbers.Distinct().Order().ToList() is { Count: > 0 } sorted ? CpuSet.ListSyntax(sorted) : "none";
}
