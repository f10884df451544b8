using System.CommandLine;

namespace Reimzul.Cli.Commands;

/// <summary><c>reimzul logs [-f] BUILD_ID [--arch A] [--root]</c>: print or follow a build's log through the web API.</summary>
public static class LogsCommand
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    public static Command Create(CommonOptions common)
    {
        var buildId = new Argument<string>("BUILD_ID") { Description = "The build whose log to print" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing what is written until the build of that arch ends" };
        var arch = new Option<string?>("--arch", "-a") { Description = "Which arch of the build (default: the first one)" };
        var root = new Option<bool>("--root") { Description = "root.log instead of build.log" };
        var command = new Command("logs", "Print a build's build.log (or root.log); with -f follow it while the build runs, on one machine or many.")
        {
            buildId, follow, arch, root,
        };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var config = common.Load(parseResult);
            using var api = WebApiClient.Create(config);
            var id = parseResult.GetRequiredValue(buildId);
            var archName = parseResult.GetValue(arch);
            if (archName is null)
            {
                var build = await api.BuildAsync(id, cancellationToken)
                    ?? throw new CliException($"no build {id} in the history (not started yet, or an unknown id)", ExitCodes.BadInput);
                archName = (build.Arches.Count > 0 ? build.Arches[0].Arch : null) ?? throw new CliException($"build {id} has no arch yet", ExitCodes.BadInput);
            }
            var file = parseResult.GetValue(root) ? "root.log" : "build.log";
            var output = Console.OpenStandardOutput();
            long offset = 0;
            while (true)
            {
                var (bytes, next, complete) = await api.LogAsync(id, archName, file, offset, cancellationToken);
                await output.WriteAsync(bytes, cancellationToken);
                await output.FlushAsync(cancellationToken);
                offset = next;
                if (complete || (!parseResult.GetValue(follow) && bytes.Length == 0))
                {
                    return ExitCodes.Ok;
                }
                if (bytes.Length == 0)
                {
                    await Task.Delay(Poll, cancellationToken);
                }
            }
        }));
        return command;
    }
}
