using HookDispatcher.Host;

namespace HookDispatcher.Handlers.Hugepages;

/// <summary>The kernel knobs that make room for hugepages, in the seed recipe's words.</summary>
internal static class MemoryReclaim
{
    public const string DropCachesPath = "/proc/sys/vm/drop_caches";
    public const string CompactMemoryPath = "/proc/sys/vm/compact_memory";

    /// <summary>Frees page cache, dentries and inodes (clean pages only): costly for the desktop, hence not the default.</summary>
    public static void DropCaches(IHostFs fs) => fs.WriteText(DropCachesPath, "3");

    /// <summary>Asks the kernel to defragment free memory into contiguous blocks.</summary>
    public static void CompactMemory(IHostFs fs) => fs.WriteText(CompactMemoryPath, "1");
}
