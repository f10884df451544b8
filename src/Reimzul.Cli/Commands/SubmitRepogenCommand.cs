using System.CommandLine;
using Reimzul.Config;
using Reimzul.Messages;
using Reimzul.Repogen;
using Reimzul.Validation;

namespace Reimzul.Cli.Commands;

/// <summary><c>reimzul submit-repogen TARGET</c>: ask for a repodata regeneration by hand.</summary>
public static class SubmitRepogenCommand
{
    public static Command Create(CommonOptions common)
    {
        var target = new Argument<string>("TARGET") { Description = "Target repo with its arch, e.g. c7.1708.u.x86_64" };
        var command = new Command("submit-repogen", """
            Request a repodata regeneration of one target repo. A target that was never built (no repo/TARGET/ on the
            store) is refused: on one machine at once, with many machines by the repogen worker on the bstore host,
            which buries the request with the reason (see reimzul buried createrepo).
            """)
        {
            target,
        };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var config = common.Load(parseResult);
            var name = parseResult.GetRequiredValue(target);
            if (!InputRules.TryValidateTarget(name, out var error))
            {
                throw new CliException(error);
            }
            // With many machines the repo lives on the bstore host, out of sight; the repogen worker refuses there.
            if (config.Topology == Topology.OneMachine && RepoRegenerator.NeverBuilt(config.Paths.Repo, name) is { } neverBuilt)
            {
                throw new CliException(neverBuilt);
            }
            await using var queue = await Composition.CreateQueueFactory(config).OpenProducerAsync(cancellationToken);
            var id = await queue.PutAsync(Tubes.Createrepo, MessageJson.Serialize(new CreaterepoRequest { Target = name }), Tubes.PriorityNormal, TimeSpan.Zero, TimeSpan.FromMinutes(2), cancellationToken);
            Console.WriteLine($"Requested repodata regeneration of {name} (job id {id})");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
