namespace HookDispatcher.Values;

/// <summary>A PCI function address in sysfs form, <c>DDDD:BB:SS.F</c> (lower-case hex).</summary>
internal readonly record struct PciAddress(ushort Segment, byte Bus, byte Slot, byte Function)
{
    public static bool TryParse(string? text, out PciAddress address)
    {
        address = default;
        if (text is null || text.Length != 12 || text[4] != ':' || text[7] != ':' || text[10] != '.')
        {
            return false;
        }
        if (!TryHex(text.AsSpan(0, 4), out var segment) || !TryHex(text.AsSpan(5, 2), out var bus) ||
            !TryHex(text.AsSpan(8, 2), out var slot) || !TryHex(text.AsSpan(11, 1), out var function))
        {
            return false;
        }
        // A PCI slot (device) number is 5 bits and a function 3 bits.
        if (slot > 0x1f || function > 7)
        {
            return false;
        }
        address = new PciAddress((ushort)segment, (byte)bus, (byte)slot, (byte)function);
        return true;
    }

    /// <summary>
    /// The four attributes of libvirt's <c>&lt;address domain='0x0000' bus='0x0a' slot='0x00' function='0x1'/&gt;</c>,
    /// read as libvirt reads them; returns false with a one-line reason quoting the bad attribute.
    /// </summary>
    public static bool TryFromParts(
        string? domain, string? bus, string? slot, string? function, out PciAddress address, out string error)
    {
        address = default;
        if (!TryPart("domain", domain, 0xffff, out var d, out error) || !TryPart("bus", bus, 0xff, out var b, out error) ||
            !TryPart("slot", slot, 0x1f, out var s, out error) || !TryPart("function", function, 7, out var f, out error))
        {
            return false;
        }
        address = new PciAddress((ushort)d, (byte)b, (byte)s, (byte)f);
        return true;
    }

    /// <summary>
    /// libvirt parses each attribute with strtoul's base 0 (virPCIDeviceAddressParseXML → virXMLPropUInt(…, 0, …)):
    /// <c>0x1f</c> is hex, <c>017</c> octal, <c>31</c> decimal. libvirt itself writes hex with <c>0x</c>.
    /// </summary>
    private static bool TryPart(string name, string? text, int max, out int value, out string error)
    {
        value = 0;
        error = "";
        if (text is null)
        {
            error = $"PCI address has no '{name}' attribute";
            return false;
        }
        var digits = text.AsSpan().Trim();
        var radix = 10;
        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            digits = digits[2..];
            radix = 16;
        }
        else if (digits.Length > 1 && digits[0] == '0')
        {
            digits = digits[1..];
            radix = 8;
        }
        // Ten digits at most keeps the long from overflowing; leading zeros are fine.
        if (digits.Length is 0 or > 10 || !TryDigits(digits, radix, out var number) || number > max)
        {
            error = $"PCI address {name} '{text}' is not a number 0-{max} (0x0-0x{max:x}; libvirt reads 0x… as hex, 0… as octal, else decimal)";
            return false;
        }
        value = (int)number;
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<char> span, int radix, out long value)
    {
        value = 0;
        foreach (var c in span)
        {
            var digit = HexDigit(c);
            if (digit < 0 || digit >= radix)
            {
                return false;
            }
            value = value * radix + digit;
        }
        return true;
    }

    private static int HexDigit(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    private static bool TryHex(ReadOnlySpan<char> span, out int value)
    {
        value = 0;
        var ok = TryDigits(span, 16, out var number) && number <= int.MaxValue;
        value = ok ? (int)number : 0;
        return ok;
    }

    public override string ToString() => $"{Segment:x4}:{Bus:x2}:{Slot:x2}.{Function:x1}";
}
