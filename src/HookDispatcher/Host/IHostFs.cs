namespace HookDispatcher.Host;

/// <summary>
/// Every /sys and /proc access goes through here, addressed by its real absolute path ("/sys/…") and resolved
/// under the configured host root, so tests and simulations run on a copied tree. The seam for fault injection.
/// </summary>
internal interface IHostFs
{
    /// <summary>The directory that stands for "/" (usually "/").</summary>
    string Root { get; }

    string Resolve(string absolutePath);

    bool Exists(string absolutePath);

    /// <summary>Reads the whole file; throws <see cref="HostIoException"/>.</summary>
    string ReadText(string absolutePath);

    /// <summary>One write(2) of the value, as sysfs expects; throws <see cref="HostIoException"/> with errno.</summary>
    void WriteText(string absolutePath, string value);

    /// <summary>The target of a symbolic link ("../../../bus/pci/drivers/vfio-pci"); null when there is no link.</summary>
    string? ReadLink(string absolutePath);

    /// <summary>The names in a directory, sorted ordinally; throws <see cref="HostIoException"/> when it is missing.</summary>
    IReadOnlyList<string> ListDirectory(string absolutePath);
}
