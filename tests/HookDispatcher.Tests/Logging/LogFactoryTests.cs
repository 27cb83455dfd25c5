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
    [Fact]
    public void TheLoggerIsBuiltOnlyWhenSomethingIsLogged()
    {
        var logger = LogFactory.Create(new LogOptions(_journal.SocketPath, Verbose: false, Fallback: null));
        var deferred = logger.ShouldBeOfType<DeferredLogger>();

        logger.Debug("below the level");
        logger.IsEnabled(Serilog.Events.LogEventLevel.Information).ShouldBeTrue();
        logger.IsEnabled(Serilog.Events.LogEventLevel.Debug).ShouldBeFalse();
        deferred.IsBuilt.ShouldBeFalse();

        logger.Information("Pool {Pool:l} raised {Start} → {Now}", "/sys/x", 0, 16);

        deferred.IsBuilt.ShouldBeTrue();
        _journal.Receive()["MESSAGE"].ShouldBe("Pool /sys/x raised 0 → 16");
    }

    [Fact]
    public void AContextOfTheDeferredLoggerCarriesItsProperties()
    {
        var logger = LogFactory.Create(new LogOptions(_journal.SocketPath, Verbose: false, Fallback: null));

        logger.ForContext("LIBVIRT_DOMAIN", "win11").ForContext("HOOK_STEP", "gpu").Warning("{Address:l} is gone", "0000:01:00.0");

        var entry = _journal.Receive();
        entry["MESSAGE"].ShouldBe("0000:01:00.0 is gone");
        entry["LIBVIRT_DOMAIN"].ShouldBe("win11");
        entry["HOOK_STEP"].ShouldBe("gpu");
    }
}
