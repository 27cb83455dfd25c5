namespace HookDispatcher.Domain;

/// <summary>
/// <c>&lt;cpu&gt;&lt;topology sockets dies cores threads/&gt;</c>. libvirt numbers vCPUs threads-innermost, so vCPUs
/// n and m are SMT siblings in the guest exactly when n / Threads == m / Threads.
/// </summary>
internal sealed record GuestCpuTopology(int Sockets, int Dies, int Cores, int Threads)
{
    public bool Siblings(int vcpu, int other) => vcpu / Threads == other / Threads;
}
