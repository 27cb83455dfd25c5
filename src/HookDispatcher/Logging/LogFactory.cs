using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace HookDispatcher.Logging;

/// <summary>
/// Builds the one logger the entry point hands down. No Log.Logger global: each caller gets its logger by
/// constructor, so tests can run loggers side by side.
/// </summary>
internal static class LogFactory
{
    /// <summary>The logger, built when it is first written to or given a context (<see cref="DeferredLogger"/>).</summary>
    public static ILogger Create(LogOptions options)
    {
        var minimum = options.Verbose ? LogEventLevel.Debug : LogEventLevel.Information;
        return new DeferredLogger(() => Build(options, minimum), minimum);
    }

    private static Logger Build(LogOptions options, LogEventLevel minimum) =>
        new LoggerConfiguration()
            .MinimumLevel.Is(minimum)
            .WriteTo.Sink(new JournaldSink(options.JournalSocket, options.Fallback))
            .CreateLogger();
}
