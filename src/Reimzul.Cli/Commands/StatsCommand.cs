using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Reimzul.Messages;
using Reimzul.Notify;
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
        var command = new Command("stats", "Show per tube: jobs ready, reserved, buried, delayed, and workers watching; then the notifier's outbox per sink.") { json, all };
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
            await PrintOutboxAsync(config.Paths.OutboxDatabase, cancellationToken);
            return ExitCodes.Ok;
        }));
        return command;
    }

    // The notifier's deliveries not made yet, per sink; nothing when no notifier has run with mail or MQTT on.
    private static async Task PrintOutboxAsync(string outboxDatabase, CancellationToken cancellationToken)
    {
        var depths = await NotificationOutbox.ReadDepthAsync(outboxDatabase, cancellationToken);
        if (depths.Count == 0)
        {
            return;
        }
        Console.WriteLine();
        Console.WriteLine($"{"OUTBOX",-12} {"PENDING",7} {"DELIVERED",9} {"OLDEST",20}  LAST ERROR");
        foreach (var d in depths)
        {
            var oldest = d.OldestPending is { } t ? t.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "-";
            Console.WriteLine($"{d.Sink,-12} {d.Pending,7} {d.Delivered,9} {oldest,20}  {d.LastError ?? ""}");
        }
    }
}
