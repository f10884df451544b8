using System.CommandLine;
using Reimzul.Config;
using Reimzul.Messages;
using Reimzul.Protocol;
using Reimzul.Submit;

namespace Reimzul.Cli.Commands;

/// <summary><c>reimzul submit</c>: queue a build of one SRPM for one arch and target (the original's flags).</summary>
public static class SubmitCommand
{
    private static readonly Option<string> Srpm = new("--srpm", "-s") { Description = "The SRPM: a name already in the incoming dir, or a path to a local file (copied there); or --git", HelpName = "SRPM" };
    private static readonly Option<string> Arch = new("--arch", "-a") { Description = "Arch to build for: " + string.Join(", ", Arches.BuildTubeByArch.Keys), Required = true };
    private static readonly Option<string> Target = new("--target", "-t") { Description = "Target repo without the arch, e.g. c7.1708.u", Required = true };
    private static readonly Option<string> Disttag = new("--disttag", "-d") { Description = "Value of %dist, e.g. .el7_4 (with --git: worked out from the import commit when left out)" };
    private static readonly Option<bool> Now = new("--now") { Description = "Put the job ahead of the queued ones" };
    private static readonly Option<bool> Scratch = new("--scratch") { Description = "Build and publish, but do not stage the RPMs for signing" };
    private static readonly Option<bool> Replace = new("--replace") { Description = "Replace the build that publishes the same packages in the target (without it, such a build fails: a target lists each package once)" };

    public static Command Create(CommonOptions common)
    {
        var (srpm, arch, target, disttag, now, scratch, replace) = (Srpm, Arch, Target, Disttag, Now, Scratch, Replace);
        var command = new Command("submit", "Queue a build of an SRPM for one arch and target (through the controller when [queue] backend = beanstalkd).")
        {
            srpm, arch, target, disttag, now, scratch, replace,
        };
        var git = new SubmitGitOptions();
        foreach (var option in git.All)
        {
            command.Options.Add(option);
        }
        command.Validators.Add(result =>
        {
            var fromGit = result.GetValue(git.Git) is not null;
            if (!fromGit && result.GetValue(srpm) is null)
            {
                result.AddError("Option '--srpm' is required.");
            }
            else if (fromGit && result.GetValue(srpm) is not null)
            {
                result.AddError("give either --srpm SRPM or --git PKG --branch B, not both");
            }
            else if (!fromGit && result.GetValue(disttag) is null)
            {
                result.AddError("Option '--disttag' is required.");
            }
        });
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var config = common.Load(parseResult);
            var receipt = git.Given(parseResult)
                ? await git.SubmitAsync(parseResult, config, parseResult.GetRequiredValue(arch), parseResult.GetRequiredValue(target), parseResult.GetValue(disttag) ?? "", parseResult.GetValue(scratch), parseResult.GetValue(now), cancellationToken)
                : await SubmitAsync(config, Order(parseResult), cancellationToken);
            Console.WriteLine($"Submitted SRPM {receipt.Srpm} to build queue {receipt.Tube} for target {receipt.Target} (scratch: {(receipt.Scratch ? "True" : "False")}) by {receipt.Submitter}");
            Console.WriteLine($"job id {receipt.JobId}, build id {receipt.BuildId}, priority {receipt.Priority}");
            return ExitCodes.Ok;
        }));
        return command;

        SubmitOrder Order(ParseResult parseResult) => new(
                parseResult.GetRequiredValue(srpm),
                parseResult.GetRequiredValue(arch),
                parseResult.GetRequiredValue(target),
                parseResult.GetRequiredValue(disttag),
                parseResult.GetValue(scratch),
                parseResult.GetValue(now),
                parseResult.GetValue(replace));
    }

    /// <summary>Many machines: through the controller, which names the submitter. One machine: here, by this user.</summary>
    private static async Task<SubmitReceipt> SubmitAsync(ReimzulConfig config, SubmitOrder order, CancellationToken cancellationToken)
    {
        if (config.Topology == Topology.ManyMachines)
        {
            using var controller = ControllerClient.Create(config);
            return await new ControllerSubmitter(controller).SubmitAsync(order, cancellationToken);
        }
        var core = BuildSubmitter.Create(config, Composition.CreateQueueFactory(config));
        return await new LocalSubmitter(core, Environment.UserName).SubmitAsync(order, cancellationToken);
    }
}
