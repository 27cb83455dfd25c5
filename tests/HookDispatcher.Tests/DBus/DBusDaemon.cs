using System.Diagnostics;
using HookDispatcher.Tests.Support;

namespace HookDispatcher.Tests.DBus;

/// <summary>A real dbus-daemon on a private socket in a temp directory; killed on dispose.</summary>
public sealed class DBusDaemon : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);
    private readonly TempDir _dir = new();
    private readonly Process _process;

    public DBusDaemon()
    {
        SocketPath = _dir.Join("bus");
        Address = "unix:path=" + SocketPath;
        var start = new ProcessStartInfo("dbus-daemon")
        {
            ArgumentList = { "--session", "--nofork", "--nopidfile", "--address=" + Address, "--print-address" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("dbus-daemon did not start");
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        var firstLine = _process.StandardOutput.ReadLineAsync();
        if (!firstLine.Wait(StartTimeout) || firstLine.Result is null)
        {
            Dispose();
            throw new InvalidOperationException($"dbus-daemon did not print its address within {StartTimeout}");
        }
    }

    public string SocketPath { get; }

    public string Address { get; }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        finally
        {
            _process.Dispose();
            _dir.Dispose();
        }
    }
}
