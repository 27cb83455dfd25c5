using System.Text.Json.Serialization;

namespace HookDispatcher.Doctor;

/// <summary>Everything <c>hookctl doctor</c> found; <see cref="Ok"/> is false when any check failed.</summary>
internal sealed record DoctorReport(IReadOnlyList<DoctorCheck> Checks)
{
    public bool Ok => Checks.All(c => c.Status != DoctorCheck.Fail);

    public int Warnings => Checks.Count(c => c.Status == DoctorCheck.Warn);

    public int Failures => Checks.Count(c => c.Status == DoctorCheck.Fail);

    public void WriteText(TextWriter output)
    {
        string? area = null;
        foreach (var check in Checks)
        {
            if (check.Area != area)
            {
                area = check.Area;
                output.WriteLine($"{area}:");
            }
            output.WriteLine($"  {check.Status,-4} {check.Name}: {check.Value}");
            foreach (var detail in check.Details)
            {
                output.WriteLine($"         {detail}");
            }
            if (check.Fix is { } fix)
            {
                output.WriteLine($"         → {fix}");
            }
        }
        output.WriteLine($"{Checks.Count} check(s): {Failures} failed, {Warnings} warning(s)");
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DoctorReport))]
internal sealed partial class DoctorJsonContext : JsonSerializerContext;
