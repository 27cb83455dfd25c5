using System.Diagnostics;

namespace HookDispatcher.Host;

/// <summary>
/// Bounded polling for kernel and daemon state that follows a request asynchronously (a /dev/vfio node, a logind
/// inhibitor): a fixed sleep is either too long or too short.
/// </summary>
internal static class Poll
{
    public static bool Until(Func<bool> condition, TimeSpan timeout, TimeSpan interval)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed >= timeout)
            {
                return false;
            }
            Thread.Sleep(interval);
        }
        return true;
    }
}
