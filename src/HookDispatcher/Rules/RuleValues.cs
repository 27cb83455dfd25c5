using System.Globalization;
using System.Text.RegularExpressions;
using HookDispatcher.Values;

namespace HookDispatcher.Rules;

/// <summary>The converters rule members use; each error message quotes the offending value.</summary>
internal static partial class RuleValues
{
    private static readonly string[] InhibitKinds =
    [
        "shutdown", "sleep", "idle", "handle-power-key", "handle-suspend-key", "handle-hibernate-key",
        "handle-lid-switch",
    ];

    public static string Expected(string what, RuleNode node) => $"expected {what}, got {node.Describe()}";

    public static string? Bool(RuleNode node, out bool value)
    {
        value = node.Kind == RuleNodeKind.True;
        return node.Kind is RuleNodeKind.True or RuleNodeKind.False ? null : Expected("true or false", node);
    }

    public static string? NonEmptyString(RuleNode node, out string value)
    {
        value = node.Text;
        // These strings reach D-Bus and systemd unit properties, where a NUL or other control character is invalid
        // (the bus would drop the connection mid-prepare).
        if (node.Kind != RuleNodeKind.String || node.Text.Length == 0)
        {
            return Expected("a non-empty string", node);
        }
        return node.Text.Any(char.IsControl) ? Expected("a string without control characters", node) : null;
    }

    public static string? Stage(RuleNode node, out Stage value) => Choice(node, out value,
        ("prepare", Rules.Stage.Prepare), ("start", Rules.Stage.Start), ("started", Rules.Stage.Started));

    /// <summary>
    /// prepare or start: what QEMU needs when it starts (its memory backing, the devices it opens) must be in place
    /// before 'started begin', which libvirt runs once QEMU is up.
    /// </summary>
    public static string? StageBeforeQemu(RuleNode node, out Stage value) =>
        node.Kind == RuleNodeKind.String && node.Text == "started"
            ? Fail(node, "\"prepare\" or \"start\" (at \"started\" QEMU already runs with its memory and devices)", out value)
            : Stage(node, out value);

    private static string Fail(RuleNode node, string expected, out Stage value)
    {
        value = default;
        return Expected(expected, node);
    }

    public static string? Escalation(RuleNode node, out Escalation value) => Choice(node, out value,
        ("ifShort", Rules.Escalation.IfShort), ("always", Rules.Escalation.Always), ("never", Rules.Escalation.Never));

    /// <summary>An integer literal within [min, max]; fractions, exponents and huge numbers are refused.</summary>
    public static RuleConverter<long> Integer(long min, long max) => (RuleNode node, out long value) =>
        IsInteger(node, out value) && value >= min && value <= max
            ? null
            : Expected(FormattableString.Invariant($"an integer {min}..{max}"), node);

    /// <summary>"auto" (null) or an integer 1..2^31.</summary>
    public static string? Count(RuleNode node, out ulong? value)
    {
        const long max = 1L << 31;
        value = null;
        if (node.Kind == RuleNodeKind.String && node.Text == "auto")
        {
            return null;
        }
        if (IsInteger(node, out var number) && number >= 1 && number <= max)
        {
            value = (ulong)number;
            return null;
        }
        var limit = IsInteger(node, out number) && number > max
            ? FormattableString.Invariant($" (at most {max})")
            : "";
        return Expected("\"auto\" or a positive integer", node) + limit;
    }

    /// <summary>"auto" (null) or a hugepage size the kernel offers on x86_64.</summary>
    public static string? PageSize(RuleNode node, out ulong? value)
    {
        value = null;
        if (node.Kind == RuleNodeKind.String && node.Text == "auto")
        {
            return null;
        }
        // The kernel writes "2048kB" meaning KiB (hugepages-2048kB); ByteSize reads libvirt's "KB" as 1000.
        var text = node.Text.EndsWith("kB", StringComparison.Ordinal) ? node.Text[..^2] + "KiB" : node.Text;
        if (node.Kind == RuleNodeKind.String && ByteSize.TryParsePageSize(text, out var bytes))
        {
            value = bytes;
            return null;
        }
        return Expected("\"auto\", \"2M\" or \"1G\"", node);
    }

    /// <summary>"auto" (null) or a non-empty CPU list.</summary>
    public static string? HostCpus(RuleNode node, out CpuSet? value)
    {
        value = null;
        if (node.Kind != RuleNodeKind.String)
        {
            return Expected("\"auto\" or a CPU list like \"0-3,8\"", node);
        }
        if (node.Text == "auto")
        {
            return null;
        }
        if (!CpuSet.TryParse(node.Text, out var set, out var error))
        {
            return Expected("\"auto\" or a CPU list like \"0-3,8\"", node) + $" ({error})";
        }
        if (set.IsEmpty)
        {
            return $"empty host CPU set {node.Describe()}: the host needs at least one CPU";
        }
        value = set;
        return null;
    }

    /// <summary>"auto" (null) or a non-empty CPU list (the CPUs a section acts on, not the host's).</summary>
    public static string? AutoOrCpuList(RuleNode node, out CpuSet? value)
    {
        value = null;
        const string what = "\"auto\" or a non-empty CPU list like \"2-3,6-7\"";
        if (node.Kind != RuleNodeKind.String)
        {
            return Expected(what, node);
        }
        if (node.Text == "auto")
        {
            return null;
        }
        if (!CpuSet.TryParse(node.Text, out var set, out var error))
        {
            return Expected(what, node) + $" ({error})";
        }
        value = set.IsEmpty ? null : set;
        return set.IsEmpty ? Expected(what, node) : null;
    }

    /// <summary>One word as cpufreq lists them ("performance", "balance_power"): written to sysfs as is.</summary>
    public static string? SysfsWord(RuleNode node, out string value) =>
        Matching(node, SysfsWordPattern(), "a word like \"performance\" (letters, digits, '_' or '-')", out value);

    public static string? Pci(RuleNode node, out PciAddress value)
    {
        value = default;
        return node.Kind == RuleNodeKind.String && PciAddress.TryParse(node.Text, out value)
            ? null
            : Expected("a PCI address like \"0000:0a:00.0\"", node);
    }

    public static string? UnitName(RuleNode node, out string value) =>
        Matching(node, UnitPattern(), "a systemd unit name like \"display-manager.service\"", out value);

    public static string? SliceOrScope(RuleNode node, out string value) =>
        Matching(node, SliceOrScopePattern(), "a unit name ending in .slice, .scope or .service", out value);

    public static string? ModuleName(RuleNode node, out string value) =>
        Matching(node, ModulePattern(), "a kernel module name like \"nvidia_drm\"", out value);

    /// <summary>
    /// The kernel's PCI reset method names (drivers/pci/pci.c, pci_reset_fn_methods), one or a space-separated list
    /// in order of preference, as <c>reset_method</c> takes them (Documentation/ABI/testing/sysfs-bus-pci). Whether
    /// the device offers them is checked at planning, against what its <c>reset_method</c> lists.
    /// </summary>
    public static string? ResetMethod(RuleNode node, out string? value)
    {
        value = null;
        var names = node.Kind == RuleNodeKind.String ? node.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
        if (names.Length == 0 || names.Any(n => !ResetMethodNames.Contains(n, StringComparer.Ordinal)) || names.Distinct(StringComparer.Ordinal).Count() != names.Length)
        {
            return Expected("a PCI reset method (" + string.Join(", ", ResetMethodNames.Select(RuleNode.Quote)) + "), or several separated by spaces", node);
        }
        value = string.Join(' ', names);
        return null;
    }

    public static readonly string[] ResetMethodNames = ["device_specific", "acpi", "flr", "af_flr", "pm", "bus", "cxl_bus"];

    public static string? GpuRecovery(RuleNode node, out GpuRecovery value) =>
        Choice(node, out value, ("removeRescan", Rules.GpuRecovery.RemoveRescan));

    /// <summary>logind's "what": a colon-separated list of lock kinds.</summary>
    public static string? InhibitWhat(RuleNode node, out string value)
    {
        value = node.Text;
        if (node.Kind != RuleNodeKind.String)
        {
            return Expected("a colon-separated list like \"sleep:idle\"", node);
        }
        var unknown = node.Text.Split(':').FirstOrDefault(k => !InhibitKinds.Contains(k, StringComparer.Ordinal));
        return unknown is null
            ? null
            : Expected($"a colon-separated list of {string.Join(", ", InhibitKinds)}", node) +
              $" ({RuleNode.Quote(unknown)} is not one of them)";
    }

    private static string? Choice<T>(RuleNode node, out T value, params (string Name, T Value)[] options)
    {
        foreach (var (name, option) in options)
        {
            if (node.Kind == RuleNodeKind.String && node.Text == name)
            {
                value = option;
                return null;
            }
        }
        value = options[0].Value;
        var names = options.Select(o => RuleNode.Quote(o.Name)).ToArray();
        return Expected(names.Length == 1 ? names[0] : $"{string.Join(", ", names[..^1])} or {names[^1]}", node);
    }

    private static string? Matching(RuleNode node, Regex pattern, string what, out string value)
    {
        value = node.Text;
        return node.Kind == RuleNodeKind.String && pattern.IsMatch(node.Text) ? null : Expected(what, node);
    }

    private static bool IsInteger(RuleNode node, out long value)
    {
        value = 0;
        return node.Kind == RuleNodeKind.Number &&
               long.TryParse(node.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    [GeneratedRegex(
        @"^[A-Za-z0-9:_.\\@-]+\.(service|socket|device|mount|automount|swap|target|path|timer|slice|scope)\z")]
    private static partial Regex UnitPattern();

    [GeneratedRegex(@"^[A-Za-z0-9:_.\\@-]+\.(slice|scope|service)\z")]
    private static partial Regex SliceOrScopePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_-]+\z")]
    private static partial Regex ModulePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,64}\z")]
    private static partial Regex SysfsWordPattern();
}
