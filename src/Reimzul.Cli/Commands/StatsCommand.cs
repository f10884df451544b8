using System.CommandLine;
using System.Text.Json;
using Reimzul.Messages;
using Reimzul.Queue;

namespace Reimzul.Cli.Commands;

/// <summary><c>reimzul stats</c>: per-tube queue figures.</summary>
public static class StatsCommand
{
    private static readonly IReadOnlyList<string> StandardTubes = Tubes.Standard;

    public static Command Create(CommonOptions common)
    {
        var json = new Option<bool>("--json") { Description = "Print a JSON array" };
        var all = new Option<bool>("--all") { Description = "Also list the standard tubes that hold nothing and have no watcher" };
        var command = new Command("stats", "Show per tube: jobs ready, reserved, buried, delayed, and workers watching.") { json, all };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var config = common.Load(parseResult);
            await using var queue = await Composition.CreateQueueFactory(config).OpenAdminAsync(cancellationToken);
            var names = (await queue.ListTubesAsync(cancellationToken)).Where(t => t != "default");
            if (parseResult.GetValue(all))
            {
                names = names.Union(StandardTubes);
            }
            var stats = new List<TubeStats>();
            foreach (var tube in names.Distinct().Order(StringComparer.Ordinal))
            {
                stats.Add(await queue.StatsTubeAsync(tube, cancellationToken));
            }
            if (parseResult.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(stats, CliJsonContext.Default.ListTubeStats));
                return ExitCodes.Ok;
            }
            Console.WriteLine($"{"TUBE",-12} {"READY",7} {"RESERVED",9} {"BURIED",7} {"DELAYED",8} {"WATCHING",9}");
            foreach (var s in stats)
            {
                Console.WriteLine($"{s.Tube,-12} {s.Ready,7} {s.Reserved,9} {s.Buried,7} {s.Delayed,8} {s.Watching,9}");
            }
            return ExitCodes.Ok;
        }));
        return command;
    }
}
