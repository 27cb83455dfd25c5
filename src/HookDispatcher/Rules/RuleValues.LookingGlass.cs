using System.Text.RegularExpressions;

namespace HookDispatcher.Rules;

/// <summary>The values of the <c>lookingGlass</c> section.</summary>
internal static partial class RuleValues
{
    /// <summary>
    /// kvmfr sizes a static device as <c>size_mb * 1024 * 1024</c> in a C int, so 2048 MiB and more overflow and
    /// its allocation fails: 1024 MiB is the largest power of two it can make.
    /// </summary>
    public const ulong KvmfrMaxSizeMiB = 1024;

    public static string? LookingGlassDevice(RuleNode node, out LookingGlassDevice value) =>
        Choice(node, out value, ("shm", Rules.LookingGlassDevice.Shm), ("kvmfr", Rules.LookingGlassDevice.Kvmfr));

    /// <summary>"auto" (null) or a power of two 1..65536 MiB: an IVSHMEM BAR is a power of two.</summary>
    public static string? SizeMiB(RuleNode node, out ulong? value)
    {
        value = null;
        if (node.Kind == RuleNodeKind.String && node.Text == "auto")
        {
            return null;
        }
        if (IsInteger(node, out var number) && number is >= 1 and <= 65536 && ulong.IsPow2((ulong)number))
        {
            value = (ulong)number;
            return null;
        }
        return Expected("\"auto\" or a power of two of MiB from 1 to 65536 (the shared memory is a PCI BAR)", node);
    }

    /// <summary>A user or group name as useradd(8) allows it, or a number.</summary>
    public static string? AccountName(RuleNode node, out string value) =>
        Matching(node, AccountPattern(), "a user or group name like \"alice\", or a number", out value);

    /// <summary>"0660": octal permission bits for a data file (no execute, set-id or sticky bits).</summary>
    public static string? FileMode(RuleNode node, out uint value)
    {
        value = 0;
        if (node.Kind == RuleNodeKind.String && ModePattern().IsMatch(node.Text))
        {
            value = Convert.ToUInt32(node.Text, 8);
            if ((value & 0b001_001_001) == 0)
            {
                return null;
            }
        }
        return Expected("an octal mode like \"0660\" without execute bits", node);
    }

    [GeneratedRegex(@"^([a-z_][a-z0-9_-]{0,31}|[0-9]{1,10})\z")]
    private static partial Regex AccountPattern();

    [GeneratedRegex(@"^0?[0-7]{3}\z")]
    private static partial Regex ModePattern();

}
