using HookDispatcher.Tests.Support;

namespace HookDispatcher.Tests.Reliability;

/// <summary>
/// A state file next to the state directory, reachable only by a domain name such as "../outside": undoing it would
/// lower a pool of 16 pages to 0, so a touched pool or a missing file shows that a name led out of the state directory.
/// </summary>
internal static class TraversalBait
{
    public static string Plant(SimulatedHost host, string name = "outside")
    {
        host.Write(SimulatedHost.Nr2M, "16\n");
        var path = Path.Join(host.Path, name + ".json");
        File.WriteAllText(path, $$"""
            { "version": 1, "domain": "../{{name}}", "steps": [ { "id": "hugepages", "kind": "hugepages", "event": "prepare begin", "status": "Done",
              "data": { "pool": "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "pageSizeBytes": "2097152", "node": "", "pages": "16", "baseline": "0", "start": "0" } } ] }
            """);
        return path;
    }
}
