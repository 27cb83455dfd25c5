namespace HookDispatcher.Handlers.Scripts;

/// <summary>
/// The libvirt event a script runs in: its environment (HOOK_OPERATION, …) and the domain XML it gets. Set by the
/// hook for each event; undo commands run in the event that undoes them (release end, or the failed prepare that
/// rolls back). Without a hook event (<c>hookctl release</c> after a crash) it is <c>release end -</c> with an
/// empty XML.
/// </summary>
internal sealed class ScriptEvent
{
    private Func<byte[]> _xml = () => [];

    public string Operation { get; private set; } = "release";

    public string SubOperation { get; private set; } = "end";

    public string Extra { get; private set; } = "-";

    public byte[] Xml() => _xml();

    public void Set(string operation, string subOperation, string extra, Func<byte[]> xml)
    {
        Operation = operation;
        SubOperation = subOperation;
        Extra = extra;
        _xml = xml;
    }
}
