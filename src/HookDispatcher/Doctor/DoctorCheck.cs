namespace HookDispatcher.Doctor;

/// <summary>
/// One preflight finding of <c>hookctl doctor</c>: the value found and, when it is not ok, one line of what to do.
/// <see cref="Details"/> holds listings (an IOMMU group member by member).
/// </summary>
internal sealed record DoctorCheck(string Area, string Name, string Status, string Value, string? Fix = null)
{
    public const string Ok = "ok";
    public const string Warn = "warn";
    public const string Fail = "fail";

    public IReadOnlyList<string> Details { get; init; } = [];

    public static DoctorCheck Pass(string area, string name, string value) => new(area, name, Ok, value);

    public static DoctorCheck Warning(string area, string name, string value, string fix) => new(area, name, Warn, value, fix);

    public static DoctorCheck Failure(string area, string name, string value, string fix) => new(area, name, Fail, value, fix);
}
