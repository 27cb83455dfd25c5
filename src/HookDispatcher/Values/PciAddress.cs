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

    private static bool TryHex(ReadOnlySpan<char> span, out int value)
    {
        value = 0;
        foreach (var c in span)
        {
            int digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'f' => c - 'a' + 10,
                >= 'A' and <= 'F' => c - 'A' + 10,
                _ => -1,
            };
            if (digit < 0)
            {
                return false;
            }
            value = value * 16 + digit;
        }
        return true;
    }

    public override string ToString() => $"{Segment:x4}:{Bus:x2}:{Slot:x2}.{Function:x1}";
}
