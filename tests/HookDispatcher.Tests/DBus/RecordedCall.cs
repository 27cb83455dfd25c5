namespace HookDispatcher.Tests.DBus;

/// <summary>A method call as it arrived at a <see cref="TestPeer"/>: its signature and body as text (<see cref="BodyText"/>).</summary>
internal sealed record RecordedCall(string? Interface, string Member, string Signature, string Path, string Body);
