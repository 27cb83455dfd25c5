namespace HookDispatcher.DBus;

/// <summary>An outgoing method call: write the arguments to <see cref="Body"/> in the order of <see cref="Signature"/>.</summary>
internal sealed class MethodCall
{
    public MethodCall(string? destination, ObjectPath path, string? @interface, string member, string signature = "")
    {
        if (!DBus.Signature.TryValidate(signature, out var error))
        {
            throw new ArgumentException($"Invalid D-Bus signature '{signature}': {error}", nameof(signature));
        }
        Destination = destination;
        Path = path;
        Interface = @interface;
        Member = member;
        Signature = signature;
    }

    public string? Destination { get; }

    public ObjectPath Path { get; }

    public string? Interface { get; }

    public string Member { get; }

    public string Signature { get; }

    public MessageWriter Body { get; } = new();

    /// <summary>polkit may ask an agent; only meaningful when a human is waiting, which the hook never has.</summary>
    public bool AllowInteractiveAuthorization { get; init; }

    public override string ToString() => $"{Destination} {Path} {Interface}.{Member}({Signature})";
}
