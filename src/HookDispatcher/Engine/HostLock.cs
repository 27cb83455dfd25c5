namespace HookDispatcher.Engine;

/// <summary>
/// The host lock (<see cref="StateLock.ForHost"/>) as one event takes it: re-entrant, so a step that holds it for its
/// whole read-modify-write can journal its intent (which takes it too) without a second flock on the same file.
/// </summary>
internal sealed class HostLock(StateStore store, TimeSpan timeout)
{
    private StateLock? _held;
    private int _depth;

    public bool Held => _depth > 0;

    /// <summary>The longest one waits for it (lockTimeoutSeconds); also the bound of a wait for another domain's release.</summary>
    public TimeSpan Timeout => timeout;

    public IDisposable Enter()
    {
        if (_depth == 0)
        {
            _held = StateLock.ForHost(store, timeout);
        }
        _depth++;
        return new Exit(this);
    }

    private void Leave()
    {
        if (--_depth == 0)
        {
            _held?.Dispose();
            _held = null;
        }
    }

    private sealed class Exit(HostLock owner) : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (!_done)
            {
                _done = true;
                owner.Leave();
            }
        }
    }
}
