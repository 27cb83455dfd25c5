using System.CommandLine;
using HookDispatcher.Hook;
using HookDispatcher.Rules;

namespace HookDispatcher.Cli;

/// <summary><c>hookctl validate [DOMAIN|FILE…]</c>: check rule files, every error at once.</summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var targets = new Argument<string[]>("target")
        {
            Description = "Domain names (their rules and drop-ins) or rule file paths; default: every domain in the rules directory",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command("validate", "Check rule files; prints every error with file, line, column and JSON path.\n" +
            "Examples:\n  hookctl validate\n  hookctl validate win11\n  hookctl validate ./draft.json")
        {
            targets,
        };
        command.SetServicesAction((result, services, output, error) =>
        {
            var names = result.GetValue(targets) is { Length: > 0 } given ? given : RuleDomains.In(services.Config.RulesDir);
            var failed = 0;
            foreach (var name in names)
            {
                var isFile = name.Contains('/') || name.EndsWith(".json", StringComparison.Ordinal);
                var loaded = isFile ? services.Rules.LoadFiles([name]) : services.Rules.Load(services.Config.RulesDir, name);
                if (!isFile && loaded.Errors.Count == 0 && loaded.Rules is null)
                {
                    error.WriteLine($"hookctl: {name}: no rules in {services.Config.RulesDir}");
                    failed++;
                    continue;
                }
                foreach (var problem in loaded.Errors)
                {
                    error.WriteLine(problem.ToString());
                }
                if (loaded.Errors.Count > 0)
                {
                    failed++;
                }
                else
                {
                    output.WriteLine($"{name}: ok ({string.Join(", ", loaded.Rules!.Sources)})");
                }
                foreach (var (file, reason) in isFile ? [] : RuleLoader.SkippedDropIns(services.Config.RulesDir, name))
                {
                    output.WriteLine($"  note: skipped {file}: {reason}");
                }
            }
            return failed == 0 ? ExitCodes.Ok : ExitCodes.Invalid;
        });
        return command;
    }
}
