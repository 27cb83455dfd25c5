namespace HookDispatcher.Tests.Reliability;

/// <summary>The reliability figures: to the test output and to $TMPDIR/hookdispatcher-reliability.txt (one line each).</summary>
internal static class Figures
{
    private static readonly Lock Gate = new();

    public static string FilePath { get; } = Path.Join(Path.GetTempPath(), "hookdispatcher-reliability.txt");

    public static void Record(string line)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        lock (Gate)
        {
            File.AppendAllText(FilePath, $"{DateTime.Now:yyyy-MM-dd HH:mm:ss} {line}\n");
        }
    }
}
