using HookDispatcher.Cli;

namespace HookDispatcher.Tests.Support;

/// <summary>Runs <c>hookctl</c> in-process, capturing its exit code, stdout and stderr.</summary>
internal static class CliRunner
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = CliApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
