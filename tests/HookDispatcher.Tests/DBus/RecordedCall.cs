namespace HookDispatcher.Tests.DBus;

/// <summary>A method call as it arrived at a <see cref="TestPeer"/>: the raw body bytes and their signature.</summary>
internal sealed record RecordedCall(string? Interface, string Member, string Signature, byte[] Body);
