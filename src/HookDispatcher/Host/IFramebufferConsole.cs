namespace HookDispatcher.Host;

/// <summary>fbcon, beyond what its vtconsole entry in sysfs can do.</summary>
internal interface IFramebufferConsole
{
    /// <summary>
    /// Maps console 1 to framebuffer <paramref name="framebuffer"/> (FBIOPUT_CON2FBMAP on /dev/fbN); when fbcon is
    /// unbound the kernel takes the consoles over again.
    /// </summary>
    void TakeOver(int framebuffer);
}
