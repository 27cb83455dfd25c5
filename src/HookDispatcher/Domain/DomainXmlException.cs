namespace HookDispatcher.Domain;

/// <summary>
/// The domain XML on stdin could not be read. The message is one line,
/// <c>&lt;source&gt;: line L, column C: &lt;reason&gt;</c>, so it fits libvirt's "Hook script execution failed" report.
/// </summary>
internal sealed class DomainXmlException : Exception
{
    public DomainXmlException(string sourceName, string reason, int line = 0, int column = 0, Exception? inner = null)
        : base(Format(sourceName, reason, line, column), inner)
    {
        SourceName = sourceName;
        Reason = reason;
        Line = line;
        Column = column;
    }

    public string SourceName { get; }

    public string Reason { get; }

    /// <summary>1-based; 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>1-based; 0 when unknown.</summary>
    public int Column { get; }

    private static string Format(string sourceName, string reason, int line, int column)
    {
        var oneLine = string.Join(' ', reason.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));
        return line > 0
            ? FormattableString.Invariant($"{sourceName}: line {line}, column {column}: {oneLine}")
            : $"{sourceName}: {oneLine}";
    }
}
