using System.Globalization;
using System.Text;
using Serilog.Events;

namespace HookDispatcher.Logging;

/// <summary>What one Serilog event becomes: journal fields, or a single stderr line when journald is not there.</summary>
internal static class JournalEntryFormatter
{
    public const string DomainProperty = "LIBVIRT_DOMAIN";

    private static readonly HashSet<string> ReservedFields = new(StringComparer.Ordinal)
    {
        "MESSAGE",
        "PRIORITY",
        "SYSLOG_IDENTIFIER",
    };

    public static List<(string Name, string Value)> ToFields(LogEvent logEvent, string identifier)
    {
        var fields = new List<(string Name, string Value)>(logEvent.Properties.Count + 3)
        {
            ("MESSAGE", Message(logEvent)),
            ("PRIORITY", Priority(logEvent.Level)),
            ("SYSLOG_IDENTIFIER", identifier),
        };
        foreach (var (name, value) in logEvent.Properties)
        {
            // journald keeps every repeat of a field, so a property called "Message" would give the entry two
            // MESSAGE values and journalctl would show the wrong one.
            if (!ReservedFields.Contains(JournalEncoder.SanitizeName(name)))
            {
                fields.Add((name, Text(value)));
            }
        }
        return fields;
    }

    /// <summary><c>hookdispatcher[win11]: INFO message</c>, the shape libvirt's hook log already shows.</summary>
    public static string ToFallbackLine(LogEvent logEvent, string identifier)
    {
        var line = new StringBuilder(identifier);
        if (logEvent.Properties.TryGetValue(DomainProperty, out var domain))
        {
            line.Append('[').Append(Text(domain)).Append(']');
        }
        line.Append(": ").Append(LevelName(logEvent.Level)).Append(' ')
            .Append(logEvent.RenderMessage(CultureInfo.InvariantCulture));
        if (logEvent.Exception is { } exception)
        {
            line.Append(" (").Append(exception.GetType().Name).Append(": ").Append(exception.Message).Append(')');
        }
        // One event, one line: libvirt copies hook stderr into its log line by line.
        return line.ToString().ReplaceLineEndings(" ");
    }

    private static string Priority(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose or LogEventLevel.Debug => "7",
        LogEventLevel.Information => "6",
        LogEventLevel.Warning => "4",
        LogEventLevel.Error => "3",
        _ => "2",
    };

    private static string LevelName(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose => "VERBOSE",
        LogEventLevel.Debug => "DEBUG",
        LogEventLevel.Information => "INFO",
        LogEventLevel.Warning => "WARNING",
        LogEventLevel.Error => "ERROR",
        _ => "FATAL",
    };

    private static string Message(LogEvent logEvent)
    {
        var message = logEvent.RenderMessage(CultureInfo.InvariantCulture);
        return logEvent.Exception is { } exception ? message + "\n" + exception : message;
    }

    // Scalars unquoted so `journalctl LIBVIRT_DOMAIN=win11` matches; the rest as Serilog renders them, since under
    // AOT destructured objects are not available anyway.
    private static string Text(LogEventPropertyValue value) => value switch
    {
        ScalarValue { Value: null } => "",
        ScalarValue { Value: string text } => text,
        ScalarValue { Value: IFormattable formattable } => formattable.ToString(null, CultureInfo.InvariantCulture),
        ScalarValue scalar => scalar.Value.ToString() ?? "",
        _ => value.ToString(),
    };
}
