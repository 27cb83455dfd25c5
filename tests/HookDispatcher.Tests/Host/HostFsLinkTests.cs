using HookDispatcher.Host;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.HostLayer;

public sealed class HostFsLinkTests
{
    [Fact]
    public void ReadLinkGivesTheTargetUnderTheRootOrNull()
    {
        using var dir = new TempDir();
        var fs = new HostFs(dir.Path);
        Directory.CreateDirectory(dir.Join("sys", "bus", "pci", "devices", "0000:01:00.0"));
        File.CreateSymbolicLink(dir.Join("sys", "bus", "pci", "devices", "0000:01:00.0", "driver"), "../../../bus/pci/drivers/vfio-pci");
        fs.ReadLink("/sys/bus/pci/devices/0000:01:00.0/driver").ShouldBe("../../../bus/pci/drivers/vfio-pci");
        fs.ReadLink("/sys/bus/pci/devices/0000:01:00.1/driver").ShouldBeNull();
    }

    [Fact]
    public void ListDirectoryIsSortedAndAMissingOneIsENOENT()
    {
        using var dir = new TempDir();
        var fs = new HostFs(dir.Path);
        Directory.CreateDirectory(dir.Join("g", "devices", "0000:01:00.1"));
        Directory.CreateDirectory(dir.Join("g", "devices", "0000:01:00.0"));
        fs.ListDirectory("/g/devices").ShouldBe(["0000:01:00.0", "0000:01:00.1"]);
        Should.Throw<HostIoException>(() => fs.ListDirectory("/g/none")).Errno.ShouldBe(Errno.ENOENT);
    }
}
