namespace HookDispatcher.DBus;

/// <summary>A point on the monotonic clock that bounds every wait of one operation.</summary>
internal readonly record struct Deadline(long AtMilliseconds)
{
    public static Deadline After(TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        return new(Environment.TickCount64 + (long)Math.Ceiling(timeout.TotalMilliseconds));
    }

    /// <summary>Milliseconds left, for poll(2); 0 once passed.</summary>
    public int RemainingMilliseconds => (int)Math.Clamp(AtMilliseconds - Environment.TickCount64, 0, int.MaxValue);

    public bool HasPassed => Environment.TickCount64 >= AtMilliseconds;
}
