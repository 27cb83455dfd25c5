using HookDispatcher.Engine;

namespace HookDispatcher.Handlers.SleepInhibitor;

internal sealed class SleepInhibitorStep(SleepInhibitorRecord record, string domain, string unit, string what, string why, IReadOnlyList<string> argv) : Step
{
    public string Unit { get; } = unit;

    public override string Id => SleepInhibitorHandler.KindName;

    public override string Kind => SleepInhibitorHandler.KindName;

    public override string Summary => $"hold a logind '{what}' inhibitor ({Unit})";

    public override IReadOnlyList<string> Actions =>
    [
        $"StopUnit({Unit}) first if a previous run left it active",
        $"StartTransientUnit({Unit}, ExecStart={string.Join(' ', argv.Select(Quote))})",
        $"which calls org.freedesktop.login1.Manager.Inhibit(\"{what}\", \"{SleepInhibitorHandler.Who(domain)}\", \"{why}\", \"block\") and holds the fd; wait until ListInhibitors shows it",
    ];

    public override void Apply(StepScope scope)
    {
        scope.Intent(new SleepInhibitorData { Unit = Unit, What = what, Why = why });
        record.Start(Unit, why, argv, scope.Context.Domain);
        scope.Done();
    }

    private static string Quote(string arg) => arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '-' or '_' or '.' or ':' or '=') ? arg : $"'{arg}'";
}
