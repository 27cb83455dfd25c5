using System.CommandLine;
using HookDispatcher.Engine;
using HookDispatcher.Host;
using HookDispatcher.Hook;

namespace HookDispatcher.Cli;

/// <summary>
/// <c>hookctl forget DOMAIN [STEP] --yes</c>: drops state records whose undo keeps failing, after the user has put
/// the host right by hand (a GPU whose host driver will not bind again, say). Nothing on the host is changed.
/// </summary>
internal static class ForgetCommand
{
    public static Command Create()
    {
        var domain = new Argument<string>("domain") { Description = "The libvirt domain name" }.DomainNames();
        var step = new Argument<string?>("step") { Description = "Only this record (its id as 'hookctl status' shows it)", Arity = ArgumentArity.ZeroOrOne };
        var yes = new Option<bool>("--yes") { Description = "Really drop the records (without it: only show what would be dropped)" };
        var force = new Option<bool>("--force") { Description = "With --yes: drop them even while the domain's QEMU runs" };
        var command = new Command("forget", "Drop DOMAIN's state records without undoing them: for a host you have put right by hand\n" +
            "after an undo kept failing. Shows each record and what the host shows now; changes nothing on the host.\n" +
            "Examples:\n  hookctl forget win11\n  hookctl forget win11 gpu.bind.0000:01:00.0 --yes")
        {
            domain,
            step,
            yes,
            force,
        };
        command.SetServicesAction((result, services, output, error) =>
        {
            var name = result.GetValue(domain)!;
            var only = result.GetValue(step);
            try
            {
                using var held = StateLock.ForDomain(services.Store, name, services.Config.LockTimeout);
                DomainState? state;
                try
                {
                    state = services.Store.Load(name);
                }
                catch (StateException unreadable) when (only is null && File.Exists(services.Store.PathOf(name)))
                {
                    return ForgetUnreadable(services, name, unreadable, result.GetValue(yes), result.GetValue(force), output, error);
                }
                var records = state?.Steps.Where(r => only is null || r.Id == only).ToList() ?? [];
                if (records.Count == 0)
                {
                    output.WriteLine(only is null ? $"{name}: holds nothing" : $"{name}: holds no record '{only}'");
                    return only is null ? ExitCodes.Ok : ExitCodes.Invalid;
                }
                // A running domain's records are what it holds now: dropped, its release would leave them on the host.
                if (result.GetValue(yes) && ReleaseCommand.Refusal(services, name, result.GetValue(force), "forget its records",
                        "they are what it holds now, and its release would leave them on the host") is { } refusal)
                {
                    error.WriteLine($"hookctl: {refusal}");
                    return ExitCodes.ActionFailed;
                }
                foreach (var record in records)
                {
                    var data = record.DataLine();
                    output.WriteLine($"{name}: {(result.GetValue(yes) ? "dropping" : "would drop")} {record.Id} [{record.Status.ToString().ToLowerInvariant()}] at {record.Event}: {data}");
                    foreach (var line in HostNow(services.RecordKinds.Of(record), record, services.Fs))
                    {
                        output.WriteLine($"  host now: {line}");
                    }
                }
                if (!result.GetValue(yes))
                {
                    error.WriteLine($"hookctl: nothing dropped: check the host shows what it should without these records, then run 'hookctl forget {name}{(only is null ? "" : " " + only)} --yes'");
                    return ExitCodes.Invalid;
                }
                state!.Steps.RemoveAll(records.Contains);
                using (StateLock.ForHost(services.Store, services.Config.LockTimeout))
                {
                    if (state.Steps.Count == 0)
                    {
                        services.Store.Delete(name);
                    }
                    else
                    {
                        services.Store.Save(state);
                    }
                }
                services.Log.ForContext("LIBVIRT_DOMAIN", name).Warning("Forgot {Count} record(s) without undoing them: {Ids:l}", records.Count, string.Join(", ", records.Select(r => r.Id)));
                output.WriteLine($"{name}: forgot {records.Count} record(s); the host was not changed");
                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is StateException or HostIoException)
            {
                error.WriteLine($"hookctl: {name}: {e.Message}");
                return ExitCodes.ActionFailed;
            }
        });
        return command;
    }

    /// <summary>
    /// A state file that cannot be read (corrupt, or of a newer format) holds records nothing can undo: shown, and with
    /// --yes dropped whole (kept aside as <c>.&lt;domain&gt;.json.unreadable</c> for a look), so the domain can start
    /// again and the others stop treating what it held as unknown.
    /// </summary>
    private static int ForgetUnreadable(Services services, string name, StateException unreadable, bool yes, bool force, TextWriter output, TextWriter error)
    {
        var path = services.Store.PathOf(name);
        output.WriteLine($"{name}: {(yes ? "dropping" : "would drop")} the unreadable state file: {unreadable.Message}");
        if (!yes)
        {
            error.WriteLine($"hookctl: nothing dropped: put right by hand what {name} held (see its log), then run 'hookctl forget {name} --yes'");
            return ExitCodes.Invalid;
        }
        if (ReleaseCommand.Refusal(services, name, force, "forget its state file", "it may hold what the domain uses now") is { } refusal)
        {
            error.WriteLine($"hookctl: {refusal}");
            return ExitCodes.ActionFailed;
        }
        var aside = Path.Join(services.Store.Directory, $".{name}.json.unreadable");
        try
        {
            using var held = StateLock.ForHost(services.Store, services.Config.LockTimeout);
            File.Move(path, aside, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"hookctl: {name}: cannot move '{path}' aside: {e.Message}");
            return ExitCodes.ActionFailed;
        }
        services.Log.ForContext("LIBVIRT_DOMAIN", name).Warning("Forgot the unreadable state file {Path:l} (kept as {Aside:l}): {Reason:l}", path, aside, unreadable.Message);
        output.WriteLine($"{name}: forgot the unreadable state file (kept as {aside}); the host was not changed");
        return ExitCodes.Ok;
    }

    private static IReadOnlyList<string> HostNow(IRecordKind? kind, StepRecord record, IHostFs fs)
    {
        try
        {
            return kind?.DescribeHost(record, fs) ?? [];
        }
        catch (Exception e) when (e is HostIoException or InvalidDataException)
        {
            return [$"cannot read: {e.Message}"];
        }
    }
}
