namespace HookDispatcher.Engine;

/// <summary>The rules cannot be carried out for this domain on this host; found before anything is touched.</summary>
internal sealed class PlanException(string section, string message) : Exception($"{section}: {message}")
{
    public string Section { get; } = section;
}
