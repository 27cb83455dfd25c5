using System.Diagnostics.CodeAnalysis;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace HookDispatcher.Logging;

/// <summary>
/// The logger, built on its first event or context. Building Serilog's logger runs its metrics' static constructor,
/// which looks Serilog's version up through reflection: about a millisecond, which a dry run or a <c>status</c> that
/// logs nothing need not pay (bench/README.md). The level check needs no logger; everything else goes to the real one,
/// so templates, properties and contexts behave exactly as Serilog's own.
/// </summary>
internal sealed class DeferredLogger(Func<ILogger> create, LogEventLevel minimum) : ILogger, IDisposable
{
    private readonly Lazy<ILogger> _logger = new(create, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Whether the real logger exists yet (for tests).</summary>
    public bool IsBuilt => _logger.IsValueCreated;

    public bool IsEnabled(LogEventLevel level) => level >= minimum;

    public void Write(LogEvent logEvent) => _logger.Value.Write(logEvent);

    public void Write(LogEventLevel level, Exception? exception, string messageTemplate, params object?[]? propertyValues)
    {
        if (IsEnabled(level))
        {
            _logger.Value.Write(level, exception, messageTemplate, propertyValues);
        }
    }

    public ILogger ForContext(ILogEventEnricher enricher) => _logger.Value.ForContext(enricher);

    public ILogger ForContext(IEnumerable<ILogEventEnricher> enrichers) => _logger.Value.ForContext(enrichers);

    public ILogger ForContext(string propertyName, object? value, bool destructureObjects = false) =>
        _logger.Value.ForContext(propertyName, value, destructureObjects);

    public bool BindMessageTemplate(
        string messageTemplate,
        object?[]? propertyValues,
        [NotNullWhen(true)] out MessageTemplate? parsedTemplate,
        [NotNullWhen(true)] out IEnumerable<LogEventProperty>? boundProperties) =>
        _logger.Value.BindMessageTemplate(messageTemplate, propertyValues, out parsedTemplate, out boundProperties);

    public bool BindProperty(string? propertyName, object? value, bool destructureObjects, [NotNullWhen(true)] out LogEventProperty? property) =>
        _logger.Value.BindProperty(propertyName, value, destructureObjects, out property);

    public void Dispose()
    {
        if (_logger.IsValueCreated)
        {
            (_logger.Value as IDisposable)?.Dispose();
        }
    }
}
