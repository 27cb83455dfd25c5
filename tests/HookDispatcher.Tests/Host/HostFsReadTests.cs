using System.Text;
using HookDispatcher.Host;
using HookDispatcher.Tests.Support;
using Shouldly;

namespace HookDispatcher.Tests.HostLayer;

/// <summary>HostFs.ReadText reads into a page on the stack and grows only past it: every size must come back whole.</summary>
public sealed class HostFsReadTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(9)]
    [InlineData(4095)]
    [InlineData(4096)]
    [InlineData(4097)]
    [InlineData(16384)]
    [InlineData(16385)]
    [InlineData(300_000)]
    public void AFileOfAnySizeIsReadWhole(int length)
    {
        using var dir = new TempDir();
        var fs = new HostFs(dir.Path);
        // Multi-byte characters across the page boundaries: decoding must not split one.
        var text = string.Concat(Enumerable.Range(0, length).Select(i => i % 7 == 0 ? "é" : ((char)('a' + (i % 26))).ToString()));
        File.WriteAllText(dir.Join("f"), text, new UTF8Encoding(false));
        fs.ReadText("/f").ShouldBe(text);
    }

    [Fact]
    public void AByteOrderMarkIsDroppedAsFileReadAllTextDoes()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.Join("f"), "alice:x:1000:1000::/home/alice:/bin/bash\n", new UTF8Encoding(true));
        new HostFs(dir.Path).ReadText("/f").ShouldBe("alice:x:1000:1000::/home/alice:/bin/bash\n");
    }

    [Fact]
    public void AProcfsFileWithSizeZeroIsReadToItsEnd()
    {
        // /proc/self/status reports st_size 0 and is generated on read, longer than nothing.
        var text = new HostFs("/").ReadText("/proc/self/status");
        text.ShouldStartWith("Name:");
        text.ShouldContain("\nPid:");
    }

    [Fact]
    public void AMissingFileIsENOENTNamingThePath()
    {
        using var dir = new TempDir();
        var e = Should.Throw<HostIoException>(() => new HostFs(dir.Path).ReadText("/sys/none"));
        e.Errno.ShouldBe(Errno.ENOENT);
        e.Message.ShouldContain(dir.Join("sys", "none"));
    }

    [Fact]
    public async Task AFifoIsReadToItsEnd()
    {
        // Not seekable: the crash tests hold the hook on one; a reader that seeks fails there.
        using var dir = new TempDir();
        var path = dir.Join("fifo");
        File.Exists("/usr/bin/mkfifo").ShouldBeTrue();
        using (var mk = System.Diagnostics.Process.Start("/usr/bin/mkfifo", [path]))
        {
            mk.WaitForExit();
        }
        var writer = Task.Run(() => File.WriteAllText(path, "0-3\n"), TestContext.Current.CancellationToken);
        new HostFs(dir.Path).ReadText("/fifo").ShouldBe("0-3\n");
        await writer.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }
}
