namespace HookDispatcher.Engine;

/// <summary>
/// The rules cannot be carried out for this domain on this host; found before anything is touched.
/// <see cref="HostFailure"/>: the host could not be read (an action failure, exit 1), not a wrong rule (exit 2).
/// </summary>
internal sealed class PlanException(string section, string message, bool hostFailure = false) : Exception($"{section}: {message}")
{
    public string Section { get; } = section;

    public bool HostFailure { get; } = hostFailure;
}
