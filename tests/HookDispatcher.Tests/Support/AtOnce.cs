using HookDispatcher.Engine;
using Shouldly;

namespace HookDispatcher.Tests.Support;

/// <summary>
/// Events of several domains at once, in the interleaving that shows a decision made outside the host lock: the
/// test holds the host lock while each event runs on its own thread as far as it can without it, then lets them
/// all go. An event that decided from a ledger read before the lock sees the others' records still there; one
/// that decides under the lock sees what the one before it journalled.
/// </summary>
internal static class AtOnce
{
    public static T[] AfterHeldHostLock<T>(StateStore store, params Func<T>[] events)
    {
        var results = new T[events.Length];
        var errors = new Exception?[events.Length];
        var threads = events.Select((e, i) => new Thread(() =>
        {
            try
            {
                results[i] = e();
            }
            catch (Exception x)
            {
                errors[i] = x;
            }
        })).ToList();
        using (StateLock.ForHost(store, TimeSpan.FromSeconds(5)))
        {
            threads.ForEach(t => t.Start());
            // Time for each to reach the host lock; a shorter wait only makes the test miss the race, never fail it.
            Thread.Sleep(400);
        }
        threads.ForEach(t => t.Join(TimeSpan.FromSeconds(30)).ShouldBeTrue("an event did not finish"));
        errors.ShouldAllBe(e => e == null);
        return results;
    }
}
