using System.Runtime.InteropServices;

namespace HookDispatcher.Host;

/// <summary>The real fbcon: one ioctl on /dev/fbN under the host root.</summary>
internal sealed class FramebufferConsole(IHostFs fs) : IFramebufferConsole
{
    private const uint FBIOPUT_CON2FBMAP = 0x4610;

    [StructLayout(LayoutKind.Sequential)]
    private struct Con2FbMap
    {
        public uint Console;
        public uint Framebuffer;
    }

    public unsafe void TakeOver(int framebuffer)
    {
        var path = fs.Resolve($"/dev/fb{framebuffer}");
        var fd = LibC.Open(path, LibC.O_RDWR | LibC.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw new HostIoException("open", path, null, Marshal.GetLastPInvokeError());
        }
        try
        {
            var map = new Con2FbMap { Console = 1, Framebuffer = (uint)framebuffer };
            if (LibC.Ioctl(fd, FBIOPUT_CON2FBMAP, &map) < 0)
            {
                throw new HostIoException("ioctl FBIOPUT_CON2FBMAP on", path, null, Marshal.GetLastPInvokeError());
            }
        }
        finally
        {
            LibC.Close(fd);
        }
    }
}
