namespace HookDispatcher.Engine;

/// <summary>What reconciling one record found: the host as recorded, repaired, or wrong in a way left alone.</summary>
internal enum FindingKind
{
    Ok,
    Repaired,
    Problem,
}

/// <summary>One line of <c>reconnect</c>'s check of a record against the host.</summary>
internal sealed record Finding(FindingKind Kind, string Message)
{
    public static Finding Ok(string message) => new(FindingKind.Ok, message);

    public static Finding Repaired(string message) => new(FindingKind.Repaired, message);

    public static Finding Problem(string message) => new(FindingKind.Problem, message);
}
