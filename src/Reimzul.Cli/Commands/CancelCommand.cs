using System.CommandLine;

namespace Reimzul.Cli.Commands;

/// <summary><c>reimzul cancel BUILD_ID</c>: stop a running build, or drop a queued one, through the web API.</summary>
public static class CancelCommand
{
    public static Command Create(CommonOptions common)
    {
        var buildId = new Argument<string>("BUILD_ID") { Description = "The build to cancel (its id, as submit printed it)" };
        var command = new Command("cancel", """
            Cancel a build: a running one is stopped within 10 s (its build tool killed, its work dir removed) and
            recorded Canceled with the chained arches it did not start; a queued one is removed from its tube and
            recorded Canceled at once. Needs a writer's token ([web] token_file) or client certificate.
            """) { buildId };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var config = common.Load(parseResult);
            using var api = WebApiClient.Create(config);
            var id = parseResult.GetRequiredValue(buildId);
            var reply = await api.CancelAsync(id, cancellationToken);
            Console.WriteLine(reply switch
            {
                { Canceled.Count: > 0 } => $"build {reply.BuildId}: cancel requested; stopping {string.Join(", ", reply.Canceled)}",
                { Removed.Count: > 0 } => $"build {reply.BuildId}: canceled; removed {string.Join(", ", reply.Removed)} from the queue",
                _ => $"build {reply.BuildId}: cancel recorded; not started yet, it is dropped when a worker takes it",
            });
            return ExitCodes.Ok;
        }));
        return command;
    }
}
