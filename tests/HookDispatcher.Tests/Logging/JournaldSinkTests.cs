using HookDispatcher.Logging;
using Serilog;
using Serilog.Events;
using Serilog.Parsing;
using Shouldly;

namespace HookDispatcher.Tests.Logging;

public sealed class JournaldSinkTests : IDisposable
{
    private readonly JournalTestServer _journal = new();
    private readonly StringWriter _fallback = new();

    public void Dispose() => _journal.Dispose();

    [Fact]
    public void AnEventForADomainArrivesWithTheDomainPriorityIdentifierAndMessage()
    {
        using (var logger = Logger())
        {
            logger.ForContext("LIBVIRT_DOMAIN", "win11").ForContext("HOOK_OPERATION", "prepare")
                .ForContext("HOOK_STEP", 2).Information("Bound {Count} devices", 3);
        }

        var entry = _journal.Receive();

        entry["LIBVIRT_DOMAIN"].ShouldBe("win11");
        entry["HOOK_OPERATION"].ShouldBe("prepare");
        entry["HOOK_STEP"].ShouldBe("2");
        entry["COUNT"].ShouldBe("3");
        entry["PRIORITY"].ShouldBe("6");
        entry["SYSLOG_IDENTIFIER"].ShouldBe("hookdispatcher");
        entry["MESSAGE"].ShouldBe("Bound 3 devices");
        entry.ViaMemfd.ShouldBeFalse();
        _fallback.ToString().ShouldBeEmpty();
    }

    [Theory]
    [InlineData(LogEventLevel.Verbose, "7")]
    [InlineData(LogEventLevel.Debug, "7")]
    [InlineData(LogEventLevel.Information, "6")]
    [InlineData(LogEventLevel.Warning, "4")]
    [InlineData(LogEventLevel.Error, "3")]
    [InlineData(LogEventLevel.Fatal, "2")]
    public void EachLevelMapsToItsSyslogPriority(LogEventLevel level, string priority)
    {
        using (var sink = Sink())
        {
            sink.Emit(Event(level, "x"));
        }

        _journal.Receive()["PRIORITY"].ShouldBe(priority);
    }

    [Fact]
    public void AMultiLineMessageArrivesIntact()
    {
        using (var sink = Sink())
        {
            sink.Emit(Event(LogEventLevel.Warning, "first line\nsecond line\n"));
        }

        _journal.Receive()["MESSAGE"].ShouldBe("first line\nsecond line\n");
    }

    [Fact]
    public void AnExceptionIsAppendedToTheMessageOnItsOwnLines()
    {
        using (var logger = Logger())
        {
            logger.Error(new InvalidOperationException("vfio-pci bind failed"), "Step {Step} failed", "vfio");
        }

        var entry = _journal.Receive();

        entry["MESSAGE"].ShouldStartWith("Step \"vfio\" failed\nSystem.InvalidOperationException: vfio-pci bind failed");
        entry["PRIORITY"].ShouldBe("3");
    }

    [Fact]
    public void AnEntryTooLargeForADatagramArrivesThroughASealedMemfd()
    {
        var big = string.Join('\n', Enumerable.Repeat(new string('x', 1023), 300));

        using (var sink = Sink())
        {
            sink.Emit(Event(LogEventLevel.Information, big, ("LIBVIRT_DOMAIN", "win11")));
        }

        var entry = _journal.Receive();
        entry.ViaMemfd.ShouldBeTrue();
        entry.Seals.ShouldBe(0xF, "F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE");
        entry["MESSAGE"].ShouldBe(big);
        entry["LIBVIRT_DOMAIN"].ShouldBe("win11");
        _fallback.ToString().ShouldBeEmpty();
    }

    [Fact]
    public void ScalarPropertiesAreUnquotedAndOtherPropertiesUseTheirRendering()
    {
        using (var logger = Logger())
        {
            logger.ForContext("Ratio", 1.5).ForContext("Cpus", new[] { 2, 3 }).ForContext("Nothing", null)
                .Information("x");
        }

        var entry = _journal.Receive();

        entry["RATIO"].ShouldBe("1.5");
        entry["CPUS"].ShouldBe("[2, 3]");
        entry["NOTHING"].ShouldBe("");
    }

    [Fact]
    public void APropertyNamedLikeAFieldTheSinkSetsDoesNotRepeatThatField()
    {
        using (var sink = Sink())
        {
            sink.Emit(Event(LogEventLevel.Information, "real", ("Message", "shadow"), ("priority", "1")));
        }

        var entry = _journal.Receive();

        entry.Names.Count(name => name == "MESSAGE").ShouldBe(1);
        entry["MESSAGE"].ShouldBe("real");
        entry["PRIORITY"].ShouldBe("6");
    }

    [Fact]
    public void WhenTheSocketIsMissingOneLineGoesToTheFallbackWriter()
    {
        using (var sink = new JournaldSink(_journal.SocketPath + ".missing", _fallback))
        {
            sink.Emit(Event(LogEventLevel.Information, "Starting\nnow", ("LIBVIRT_DOMAIN", "win11")));
        }

        _fallback.ToString().ShouldBe("hookdispatcher[win11]: INFO Starting now" + Environment.NewLine);
    }

    [Fact]
    public void WhenNoDomainIsKnownTheFallbackLineHasNoBrackets()
    {
        using (var sink = new JournaldSink(_journal.SocketPath + ".missing", _fallback))
        {
            sink.Emit(Event(LogEventLevel.Error, "no rules", exception: new IOException("EACCES")));
        }

        _fallback.ToString().ShouldBe("hookdispatcher: ERROR no rules (IOException: EACCES)" + Environment.NewLine);
    }

    [Fact]
    public void WhenJournaldIsNotListeningTheEventGoesToTheFallbackWriter()
    {
        _journal.StopListening();

        using (var sink = Sink())
        {
            sink.Emit(Event(LogEventLevel.Warning, "still here"));
        }

        _fallback.ToString().ShouldBe("hookdispatcher: WARNING still here" + Environment.NewLine);
    }

    [Fact]
    public void AnEventAfterDisposeGoesToTheFallbackWriter()
    {
        var sink = Sink();
        sink.Dispose();

        sink.Emit(Event(LogEventLevel.Information, "late"));

        _fallback.ToString().ShouldBe("hookdispatcher: INFO late" + Environment.NewLine);
    }

    [Fact]
    public void EmitNeverThrowsEvenWhenRenderingAndTheFallbackFail()
    {
        using var sink = new JournaldSink(_journal.SocketPath + ".missing", new ThrowingWriter());
        var exploding = new LogEvent(DateTimeOffset.Now, LogEventLevel.Error, null,
            new MessageTemplateParser().Parse("value {Bad}"), [new LogEventProperty("Bad", new ExplodingValue())]);

        Should.NotThrow(() => sink.Emit(exploding));
        Should.NotThrow(() => sink.Emit(Event(LogEventLevel.Fatal, "x")));
        Should.NotThrow(() => sink.Emit(null!));
    }

    [Fact]
    public void EmitNeverThrowsWhenAPropertyFailsToRenderWithJournaldUp()
    {
        using var sink = Sink();
        var exploding = new LogEvent(DateTimeOffset.Now, LogEventLevel.Error, null,
            new MessageTemplateParser().Parse("plain"), [new LogEventProperty("Bad", new ExplodingValue())]);

        Should.NotThrow(() => sink.Emit(exploding));
        _fallback.ToString().ShouldBe("hookdispatcher: ERROR plain" + Environment.NewLine);
    }

    private JournaldSink Sink() => new(_journal.SocketPath, _fallback);

    private Serilog.Core.Logger Logger() =>
        new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(Sink()).CreateLogger();

    private static LogEvent Event(LogEventLevel level, string text, params (string Name, string Value)[] properties) =>
        Event(level, text, null, properties);

    private static LogEvent Event(LogEventLevel level, string text, Exception? exception,
        params (string Name, string Value)[] properties) =>
        new(DateTimeOffset.Now, level, exception, new MessageTemplate([new TextToken(text)]),
            properties.Select(p => new LogEventProperty(p.Name, new ScalarValue(p.Value))));

    private sealed class ExplodingValue : LogEventPropertyValue
    {
        public override void Render(TextWriter output, string? format = null, IFormatProvider? formatProvider = null) =>
            throw new InvalidOperationException("boom");
    }

    private sealed class ThrowingWriter : StringWriter
    {
        public override void WriteLine(string? value) => throw new IOException("stderr closed");
    }
}
