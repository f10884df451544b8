using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Reimzul.Messages;
using Reimzul.Queue;

namespace Reimzul.Cli.Commands;

/// <summary><c>reimzul buried TUBE</c> and <c>reimzul kick TUBE [N]</c>: what the queue set aside, and giving it back.</summary>
public static class QueueAdminCommands
{
    private const int LongestBodyShown = 500;

    public static Command Buried(CommonOptions common)
    {
        var tube = new Argument<string>("TUBE") { Description = "The tube, e.g. x86_64, notify, createrepo, tosign" };
        var limit = new Option<int>("--limit", "-n") { Description = "Show at most this many", DefaultValueFactory = _ => 20 };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 100_000)
            {
                result.AddError("--limit must be between 1 and 100000");
            }
        });
        var json = new Option<bool>("--json") { Description = "Print a JSON array" };
        var command = new Command("buried", """
            Show the buried jobs of a tube, the next to be kicked first: id, deliveries, when and why it was buried,
            and its body. A job is buried when it can never be done as it is (a body that is not JSON, lacks fields or
            carries a hostile name). beanstalkd shows only the next buried job and keeps no reason; the reason shown
            for it is the body checked again now.
            """)
        {
            tube, limit, json,
        };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var config = common.Load(parseResult);
            var name = TubeName(parseResult.GetRequiredValue(tube));
            await using var admin = await Composition.CreateQueueFactory(config).OpenAdminAsync(cancellationToken);
            var stats = await admin.StatsTubeAsync(name, cancellationToken);
            var jobs = await admin.BuriedAsync(name, parseResult.GetValue(limit), cancellationToken);
            if (parseResult.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(jobs.Select(j => j with { Reason = ReasonOf(j) }).ToList(), CliJsonContext.Default.ListBuriedJob));
                return ExitCodes.Ok;
            }
            Console.WriteLine($"{name}: {stats.Buried} buried{(stats.Buried > jobs.Count ? $", showing {jobs.Count}" : "")}");
            foreach (var job in jobs)
            {
                var when = job.BuriedAt is { } at ? " buried " + at.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "";
                Console.WriteLine($"job {job.Id}{when}, priority {job.Priority}, deliveries {job.Deliveries}");
                Console.WriteLine($"  reason: {(job.Reason is null ? $"{ReasonOf(job)} (checked now: the queue keeps no reason)" : job.Reason)}");
                Console.WriteLine($"  body:   {Shown(job.Body)}");
            }
            if (stats.Buried > 0)
            {
                Console.WriteLine($"once the cause is fixed: reimzul kick {name} [N]");
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Kick(CommonOptions common)
    {
        var tube = new Argument<string>("TUBE") { Description = "The tube, e.g. x86_64" };
        var count = new Argument<int?>("N") { Description = "How many to kick (default: every buried job of the tube)", Arity = ArgumentArity.ZeroOrOne };
        count.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1)
            {
                result.AddError("N must be at least 1");
            }
        });
        var command = new Command("kick", """
            Move buried jobs of a tube back to ready, oldest first, as beanstalkd's kick does (when none is buried,
            delayed jobs are made ready at once instead). Look at them first with `reimzul buried TUBE`.
            """)
        {
            tube, count,
        };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var config = common.Load(parseResult);
            var name = TubeName(parseResult.GetRequiredValue(tube));
            await using var admin = await Composition.CreateQueueFactory(config).OpenAdminAsync(cancellationToken);
            var before = await admin.StatsTubeAsync(name, cancellationToken);
            var kicked = await admin.KickAsync(name, parseResult.GetValue(count) ?? int.MaxValue, cancellationToken);
            var what = before.Buried > 0 ? "buried" : "delayed";
            Console.WriteLine($"kicked {kicked} {what} job(s) of {name} back to ready");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static string ReasonOf(BuriedJob job) =>
        job.Reason ?? MessageChecks.Problem(job.Tube, job.Body) ?? "the body reads as a usable job now (buried for a reason the queue did not keep)";

    private static string Shown(string body)
    {
        var oneLine = body.ReplaceLineEndings(" ");
        return oneLine.Length <= LongestBodyShown ? oneLine : oneLine[..LongestBodyShown] + "…";
    }

    private static string TubeName(string tube) => TubeNames.TryValidate(tube, out var error) ? tube : throw new CliException(error);
}
