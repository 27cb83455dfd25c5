using System.Diagnostics;

namespace HookDispatcher.Tests.DBus;

/// <summary>Runs the real busctl against the test bus, bounded by a timeout.</summary>
internal static class Busctl
{
    public static string Call(string address, params string[] arguments)
    {
        var start = new ProcessStartInfo("busctl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--address=" + address);
        start.ArgumentList.Add("--timeout=5");
        start.ArgumentList.Add("call");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(10_000))
        {
            process.Kill();
            throw new TimeoutException("busctl did not finish within 10 s");
        }
        return process.ExitCode == 0
            ? stdout.Result
            : throw new InvalidOperationException($"busctl exited with {process.ExitCode}: {stderr.Result}");
    }
}
