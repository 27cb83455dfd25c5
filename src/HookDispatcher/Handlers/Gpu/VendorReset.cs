namespace HookDispatcher.Handlers.Gpu;

/// <summary>
/// The AMD GPUs that need the out-of-tree vendor-reset module to be reset between VMs (their bus reset leaves them
/// unusable: "Unknown PCI header type '127'" at the next start). The device IDs are vendor-reset's own table
/// (github.com/gnif/vendor-reset, src/device-db.h); with the module loaded, reset_method lists device_specific.
/// </summary>
internal static class VendorReset
{
    public const ushort AmdVendor = 0x1002;

    public const string Module = "vendor_reset";

    private static readonly (string Family, ushort[] Ids)[] Families =
    [
        ("Polaris 10", [0x67C0, 0x67C1, 0x67C2, 0x67C4, 0x67C7, 0x67D0, 0x67DF, 0x67C8, 0x67C9, 0x67CA, 0x67CC, 0x67CF, 0x6FDF]),
        ("Polaris 11", [0x67E0, 0x67E3, 0x67E8, 0x67EB, 0x67EF, 0x67FF, 0x67E1, 0x67E7, 0x67E9]),
        ("Polaris 12", [0x6980, 0x6981, 0x6985, 0x6986, 0x6987, 0x6995, 0x6997, 0x699F]),
        ("Vega 10", [0x6860, 0x6861, 0x6862, 0x6863, 0x6864, 0x6867, 0x6868, 0x6869, 0x686A, 0x686B, 0x686C, 0x686D, 0x686E, 0x686F, 0x687F]),
        ("Vega 20", [0x66A0, 0x66A1, 0x66A2, 0x66A3, 0x66A4, 0x66A7, 0x66AF, 0x738C]),
        ("Navi 10", [0x7310, 0x7312, 0x7318, 0x7319, 0x731A, 0x731B, 0x731E, 0x731F, 0x15BF, 0x15DD, 0x15DE, 0x15E7, 0x1636, 0x1638, 0x164C]),
        ("Navi 14", [0x7340, 0x7341, 0x7347, 0x734F]),
        ("Navi 12", [0x7360, 0x7362]),
        ("Navi 23", [0x73FF]),
    ];

    /// <summary>The card's family when it is one vendor-reset knows, else null.</summary>
    public static string? Family(ushort vendor, ushort device) =>
        vendor == AmdVendor && Families.FirstOrDefault(f => f.Ids.Contains(device)) is { Family: { } family } ? family : null;
}
