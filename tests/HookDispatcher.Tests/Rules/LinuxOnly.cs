// The rule loader and these tests rely on Unix ownership and modes; the hook only ever runs on Linux.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
