using System.Text;

namespace HookDispatcher.Host.Systemd;

/// <summary>
/// systemd's unit-name escaping, as <c>systemd-escape</c> does it without options: '/' becomes '-', ASCII letters,
/// digits, ':', '_' and '.' stay, a leading '.' and every other byte of the UTF-8 form become <c>\xNN</c> (lower-case
/// hex). So a domain called "win 11/ü" yields <c>win\x2011-\xc3\xbc</c>.
/// </summary>
internal static class SystemdEscape
{
    /// <summary>systemd refuses unit names longer than this (UNIT_NAME_MAX - 1).</summary>
    public const int MaxUnitNameLength = 255;

    public static string UnitNamePart(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        var result = new StringBuilder(bytes.Length);
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            if (b == '/')
            {
                result.Append('-');
            }
            else if ((b == '.' && i > 0) || b == ':' || b == '_' || char.IsAsciiLetterOrDigit((char)b))
            {
                result.Append((char)b);
            }
            else
            {
                result.Append("\\x").Append(Convert.ToHexStringLower([b]));
            }
        }
        return result.ToString();
    }
}
