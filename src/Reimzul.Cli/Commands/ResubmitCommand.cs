using System.CommandLine;

namespace Reimzul.Cli.Commands;

/// <summary><c>reimzul resubmit BUILD_ID [--failed]</c>: submit a build again, or only its failed arches, through the web API.</summary>
public static class ResubmitCommand
{
    public static Command Create(CommonOptions common)
    {
        var buildId = new Argument<string>("BUILD_ID") { Description = "The build to submit again" };
        var failed = new Option<bool>("--failed") { Description = "Only the arches that failed or were canceled (e.g. only the chained i386 build)" };
        var wait = new Option<bool>("--wait") { Description = "Then watch the new build as `reimzul watch` does" };
        var command = new Command("resubmit", "Submit a build again under a new build id (the same SRPM, arch, target, disttag and scratch), or only its failed arches.")
        {
            buildId, failed, wait,
        };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var config = common.Load(parseResult);
            using var api = WebApiClient.Create(config);
            var reply = await api.ResubmitAsync(parseResult.GetRequiredValue(buildId), parseResult.GetValue(failed), cancellationToken);
            Console.WriteLine($"resubmitted as build {reply.BuildId} ({string.Join(", ", reply.Arches)})");
            return parseResult.GetValue(wait)
                ? await BuildWatch.RunAsync(api, [reply.BuildId], null, Console.Out, cancellationToken)
                : ExitCodes.Ok;
        }));
        return command;
    }
}
