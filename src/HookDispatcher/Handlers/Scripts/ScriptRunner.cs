using HookDispatcher.Host;
using HookDispatcher.Rules;
using Serilog;

namespace HookDispatcher.Handlers.Scripts;

/// <summary>
/// Runs one user command the way every script runs: refused unless <see cref="ExecutableGuard"/> allows it, a fixed
/// environment, the domain XML in a 0600 file (removed afterwards; on stdin too for VFIO-Tools trees), each output
/// line to the journal, a time limit that kills the command's whole process group.
/// </summary>
internal sealed class ScriptRunner(ProcessRunner runner, ScriptEvent current, string xmlDirectory)
{
    public const string Path = "/usr/sbin:/usr/bin:/sbin:/bin";

    public ScriptEvent Current { get; } = current;

    /// <param name="xmlOnStdin">VFIO-Tools scripts read the domain XML from stdin; others get stdin at EOF.</param>
    public void Run(string domain, IReadOnlyList<string> argv, int timeoutSeconds, bool xmlOnStdin, ILogger log)
    {
        var shown = ScriptCommand.Show(argv);
        if (ExecutableGuard.Check(argv[0]) is { } refused)
        {
            throw new ScriptException(refused);
        }
        var xmlFile = WriteXml(domain);
        try
        {
            var environment = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["HOOK_DOMAIN"] = domain,
                ["HOOK_OPERATION"] = Current.Operation,
                ["HOOK_SUB_OPERATION"] = Current.SubOperation,
                ["HOOK_EXTRA"] = Current.Extra,
                ["HOOK_XML"] = xmlFile,
                ["PATH"] = Path,
            };
            var stdoutLog = log.ForContext("HOOK_STREAM", "stdout");
            var stderrLog = log.ForContext("HOOK_STREAM", "stderr");
            var request = new ProcessRequest(
                argv[0],
                argv.Skip(1).ToList(),
                environment,
                xmlOnStdin ? xmlFile : null,
                (stream, line) => (stream == ProcessStream.Stdout ? stdoutLog : stderrLog).Information("{Line:l}", line),
                TimeSpan.FromSeconds(timeoutSeconds));
            log.Information("Running {Command:l} (limit {Limit} s)", shown, timeoutSeconds);
            ProcessResult result;
            try
            {
                result = runner.Run(request);
            }
            catch (TimeoutException e)
            {
                throw new ScriptException($"'{shown}' did not finish within {timeoutSeconds} s and was killed with its process group", e);
            }
            catch (Exception e) when (e is IOException or HostIoException)
            {
                throw new ScriptException($"'{shown}' could not be started: {e.Message}", e);
            }
            if (result.LeftoversKilled)
            {
                log.Warning(
                    "{Command:l} exited but left a process holding its stdout or stderr; killed its process group rather than wait (start long-lived programs with systemd-run)",
                    shown);
            }
            if (result.ExitCode != 0)
            {
                var firstLine = result.Stderr.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0);
                throw new ScriptException($"'{shown}' exited with status {result.ExitCode}" + (firstLine is null ? "" : $": {firstLine}"));
            }
        }
        finally
        {
            File.Delete(xmlFile);
        }
    }

    private string WriteXml(string domain)
    {
        Directory.CreateDirectory(xmlDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var file = System.IO.Path.Join(xmlDirectory, $".{domain}.{Environment.ProcessId}.{Guid.NewGuid():N}.xml");
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        try
        {
            using var stream = new FileStream(file, options);
            stream.Write(Current.Xml());
            return file;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(file);
            throw new ScriptException($"cannot write the domain XML for the script to '{file}': {e.Message}", e);
        }
    }
}
