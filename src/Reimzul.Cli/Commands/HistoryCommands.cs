using System.CommandLine;
using System.Text.Json;
using Reimzul.History;
using Reimzul.ResultStores;

namespace Reimzul.Cli.Commands;

/// <summary><c>reimzul history import|latest</c>: bring an original notify_history over; the latest builds of a target.</summary>
public static class HistoryCommands
{
    public static Command Create(CommonOptions common)
    {
        var command = new Command("history", "The build history: import an original notify_history dump, list the latest builds of a target.");
        command.Subcommands.Add(Import(common));
        command.Subcommands.Add(Latest(common));
        return command;
    }

    private static Command Import(CommonOptions common)
    {
        var file = new Argument<string>("FILE") { Description = "A `mongoexport --db reimzul --collection notify_history` dump: JSON lines, or one array with --jsonArray" };
        var command = new Command("import", """
            Import a dump of the original's notify_history into the configured history store, as the records stand
            (status, latest_build). Importing the same dump again adds nothing. A bad line is reported and skipped;
            the exit code is 2 when any line was refused.
            """) { file };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var config = common.Load(parseResult);
            var path = parseResult.GetRequiredValue(file);
            if (!File.Exists(path))
            {
                throw new CliException($"{path}: no such file");
            }
            await using var history = await Composition.OpenHistoryAsync(config, cancellationToken);
            var (imported, present, refused) = (0, 0, 0);
            try
            {
                await foreach (var entry in NotifyHistoryDump.ReadAsync(path, cancellationToken))
                {
                    string? why = entry.Error;
                    if (entry.Record is { } record)
                    {
                        try
                        {
                            if (await history.ImportAsync(record, cancellationToken))
                            {
                                imported++;
                            }
                            else
                            {
                                present++;
                            }
                        }
                        catch (ArgumentException ex)
                        {
                            why = ex.Message;
                        }
                    }
                    if (why is not null)
                    {
                        refused++;
                        await Console.Error.WriteLineAsync($"reimzul: {path}: {entry.Where}: refused: {OneLine(why)}");
                    }
                }
            }
            catch (FormatException ex)
            {
                throw new CliException(ex.Message);
            }
            Console.WriteLine($"{path}: {imported} imported, {present} already present, {refused} refused");
            return refused == 0 ? ExitCodes.Ok : ExitCodes.BadInput;
        }));
        return command;
    }

    // A reason may quote the dump's own text: it must not break the line or the terminal.
    private static string OneLine(string text) => string.Concat(text.Select(c => char.IsControl(c) ? '?' : c));

    private static Command Latest(CommonOptions common)
    {
        var target = new Argument<string>("TARGET") { Description = "Target with its arch, e.g. c7.1708.u.x86_64" };
        var json = new Option<bool>("--json") { Description = "Print a JSON array of records" };
        var command = new Command("latest", "The latest build of every SRPM and arch of a target, whatever its status, oldest first.") { target, json };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var config = common.Load(parseResult);
            await using var history = await Composition.OpenHistoryAsync(config, cancellationToken);
            var records = await history.LatestAsync(parseResult.GetRequiredValue(target), cancellationToken);
            if (parseResult.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(records, CliJsonContext.Default.IReadOnlyListBuildRecord));
                return ExitCodes.Ok;
            }
            foreach (var r in records)
            {
                Console.WriteLine($"{r.Srpm} (arch: {r.Arch}, status: {r.Status}, timestamp: {r.Timestamp},  builder: {r.BuilderFqdn})");
            }
            return ExitCodes.Ok;
        }));
        return command;
    }
}
