using HookDispatcher.Logging;
using Shouldly;

namespace HookDispatcher.Tests.Logging;

public sealed class LogFactoryTests : IDisposable
{
    private readonly JournalTestServer _journal = new();

    public void Dispose() => _journal.Dispose();

    [Fact]
    public void DebugEventsAreDroppedUnlessVerbose()
    {
        var logger = LogFactory.Create(new LogOptions(_journal.SocketPath, Verbose: false, Fallback: null));

        logger.Debug("hidden");
        logger.Information("shown");

        _journal.Receive()["MESSAGE"].ShouldBe("shown");
    }

    [Fact]
    public void DebugEventsReachTheJournalWhenVerbose()
    {
        var logger = LogFactory.Create(new LogOptions(_journal.SocketPath, Verbose: true, Fallback: null));

        logger.Debug("detail");

        var entry = _journal.Receive();
        entry["MESSAGE"].ShouldBe("detail");
        entry["PRIORITY"].ShouldBe("7");
    }

    [Fact]
    public void TheFallbackWriterFromTheOptionsIsUsedWhenJournaldIsMissing()
    {
        var fallback = new StringWriter();
        var logger = LogFactory.Create(new LogOptions(_journal.SocketPath + ".missing", Verbose: false, fallback));

        logger.ForContext("LIBVIRT_DOMAIN", "win11").Warning("Journal gone");

        fallback.ToString().ShouldBe("hookdispatcher[win11]: WARNING Journal gone" + Environment.NewLine);
    }
}
