using System.CommandLine;
using Reimzul.Config;
using Reimzul.Messages;
using Reimzul.Protocol;
using Reimzul.Submit;

namespace Reimzul.Cli.Commands;

/// <summary><c>reimzul submit</c>: queue a build of one SRPM for one arch and target (the original's flags).</summary>
public static class SubmitCommand
{
    private static readonly Option<string> Srpm = new("--srpm", "-s") { Description = "The SRPM: a name already in the incoming dir, or a path to a local file (copied there)", Required = true, HelpName = "SRPM" };
    private static readonly Option<string> Arch = new("--arch", "-a") { Description = "Arch to build for: " + string.Join(", ", Arches.BuildTubeByArch.Keys), Required = true };
    private static readonly Option<string> Target = new("--target", "-t") { Description = "Target repo without the arch, e.g. c7.1708.u", Required = true };
    private static readonly Option<string> Disttag = new("--disttag", "-d") { Description = "Value of %dist, e.g. .el7_4", Required = true };
    private static readonly Option<bool> Now = new("--now") { Description = "Put the job ahead of the queued ones" };
    private static readonly Option<bool> Scratch = new("--scratch") { Description = "Build and publish, but do not stage the RPMs for signing" };
    private static readonly Option<bool> Replace = new("--replace") { Description = "Replace the build that publishes the same packages in the target (without it, such a build fails: a target lists each package once)" };
    private static readonly Option<bool> Wait = new("--wait") { Description = "Then watch the build as `reimzul watch` does: state lines, a summary, the verdict; exit 1 when an arch failed or was canceled" };
    private static readonly Option<bool> WaitRepo = new("--wait-repo") { Description = "As --wait, and also wait until the build's RPMs are listed in the target's repodata" };

    public static Command Create(CommonOptions common)
    {
        var (srpm, arch, target, disttag, now, scratch, replace) = (Srpm, Arch, Target, Disttag, Now, Scratch, Replace);
        var command = new Command("submit", "Queue a build of an SRPM for one arch and target (through the controller when [queue] backend = beanstalkd).")
        {
            srpm, arch, target, disttag, now, scratch, replace, Wait, WaitRepo,
        };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var config = common.Load(parseResult);
            var order = new SubmitOrder(
                parseResult.GetRequiredValue(srpm),
                parseResult.GetRequiredValue(arch),
                parseResult.GetRequiredValue(target),
                parseResult.GetRequiredValue(disttag),
                parseResult.GetValue(scratch),
                parseResult.GetValue(now),
                parseResult.GetValue(replace));
            var receipt = await SubmitAsync(config, order, cancellationToken);
            Console.WriteLine($"Submitted SRPM {receipt.Srpm} to build queue {receipt.Tube} for target {receipt.Target} (scratch: {(receipt.Scratch ? "True" : "False")}) by {receipt.Submitter}");
            Console.WriteLine($"job id {receipt.JobId}, build id {receipt.BuildId}, priority {receipt.Priority}");
            return parseResult.GetValue(Wait) || parseResult.GetValue(WaitRepo)
                ? await BuildWatch.RunAsync(config, receipt.BuildId, parseResult.GetValue(WaitRepo), cancellationToken)
                : ExitCodes.Ok;
        }));
        return command;
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
