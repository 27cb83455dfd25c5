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

    [Fact]
    public void AWriteDoesNotFollowASymlinkInTheLastPlace()
    {
        using var dir = new TempDir();
        var fs = new HostFs(dir.Path);
        Directory.CreateDirectory(dir.Join("sys", "kernel", "mm", "hugepages", "hugepages-2048kB"));
        File.WriteAllText(dir.Join("etc-shadow"), "root:secret\n");
        File.CreateSymbolicLink(dir.Join("sys", "kernel", "mm", "hugepages", "hugepages-2048kB", "nr_hugepages"), dir.Join("etc-shadow"));
        Should.Throw<HostIoException>(() => fs.WriteText("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "16")).Errno.ShouldBe(Errno.ELOOP);
        File.ReadAllText(dir.Join("etc-shadow")).ShouldBe("root:secret\n");
    }

    [Fact]
    public void AWriteStillGoesThroughSymlinkedDirectoriesAsSysfsHasThem()
    {
        using var dir = new TempDir();
        var fs = new HostFs(dir.Path);
        Directory.CreateDirectory(dir.Join("sys", "devices", "pci0000:00", "0000:01:00.0"));
        File.WriteAllText(dir.Join("sys", "devices", "pci0000:00", "0000:01:00.0", "driver_override"), "(null)\n");
        Directory.CreateDirectory(dir.Join("sys", "bus", "pci", "devices"));
        File.CreateSymbolicLink(dir.Join("sys", "bus", "pci", "devices", "0000:01:00.0"), "../../../devices/pci0000:00/0000:01:00.0");
        fs.WriteText("/sys/bus/pci/devices/0000:01:00.0/driver_override", "vfio-pci");
        File.ReadAllText(dir.Join("sys", "devices", "pci0000:00", "0000:01:00.0", "driver_override")).ShouldBe("vfio-pci");
    }
}
