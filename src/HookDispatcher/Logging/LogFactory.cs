using Serilog;
using Serilog.Events;

namespace HookDispatcher.Logging;

/// <summary>
/// Builds the one logger the entry point hands down. No Log.Logger global: each caller gets its logger by
/// constructor, so tests can run loggers side by side.
/// </summary>
internal static class LogFactory
{
    public static ILogger Create(LogOptions options) =>
        new LoggerConfiguration()
            .MinimumLevel.Is(options.Verbose ? LogEventLevel.Debug : LogEventLevel.Information)
            .WriteTo.Sink(new JournaldSink(options.JournalSocket, options.Fallback))
            .CreateLogger();
}
