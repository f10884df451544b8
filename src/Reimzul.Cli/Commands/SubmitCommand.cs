using System.CommandLine;
using Reimzul.Chains;
using Reimzul.Config;
using Reimzul.Messages;
using Reimzul.Protocol;
using Reimzul.Submit;

namespace Reimzul.Cli.Commands;

/// <summary>
/// <c>reimzul submit</c>: queue a build of one SRPM for one arch and target (the original's flags), or of many at once
/// (several <c>-s</c>, a directory, <c>--from-file</c>): all checked first, none queued when one is wrong.
/// </summary>
public static class SubmitCommand
{
    private static readonly Option<string[]> Srpm = new("--srpm", "-s") { Description = "The SRPM: a name already in the incoming dir, a path to a local file (copied there), or a local directory (every *.src.rpm in it); may be given many times; or --git", HelpName = "SRPM" };
    private static readonly Option<string[]> FromFile = new("--from-file") { Description = "A file listing SRPMs, one per line (# comments and blank lines skipped); may be given many times", HelpName = "LIST" };
    private static readonly Option<string> Arch = new("--arch", "-a") { Description = "Arch to build for: " + string.Join(", ", Arches.BuildTubeByArch.Keys), Required = true };
    private static readonly Option<string> Target = new("--target", "-t") { Description = "Target repo without the arch, e.g. c7.1708.u", Required = true };
    private static readonly Option<string> Disttag = new("--disttag", "-d") { Description = "Value of %dist, e.g. .el7_4 (with --git: worked out from the import commit when left out)" };
    private static readonly Option<bool> Now = new("--now") { Description = "Put the job ahead of the queued ones" };
    private static readonly Option<bool> Scratch = new("--scratch") { Description = "Build and publish, but do not stage the RPMs for signing" };
    private static readonly Option<bool> Replace = new("--replace") { Description = "Replace the build that publishes the same packages in the target (without it, such a build fails: a target lists each package once)" };
    private static readonly Option<bool> Background = new("--background") { Description = "Queue below every ordinary build (the default when more than one SRPM is submitted)" };
    private static readonly Option<string[]> After = new("--after") { Description = "Build only once build BUILD_ID succeeded and is listed in the target's repodata (not at all if it failed); may be given many times", HelpName = "BUILD_ID" };
    private static readonly Option<bool> NoBackground = new("--no-background") { Description = "Queue a bulk submit among the ordinary builds" };
    private static readonly Option<bool> Wait = new("--wait") { Description = "Then watch the build as `reimzul watch` does: state lines, a summary, the verdict; exit 1 when an arch failed or was canceled" };
    private static readonly Option<bool> WaitRepo = new("--wait-repo") { Description = "As --wait, and also wait until the build's RPMs are listed in the target's repodata" };

    public static Command Create(CommonOptions common)
    {
        var (srpm, fromFile, arch, target, disttag, now, scratch, replace, background, noBackground, after) = (Srpm, FromFile, Arch, Target, Disttag, Now, Scratch, Replace, Background, NoBackground, After);
        var command = new Command("submit", "Queue builds of SRPMs for one arch and target (through the controller when [queue] backend = beanstalkd).")
        {
            srpm, fromFile, arch, target, disttag, now, scratch, replace, background, noBackground, after, Wait, WaitRepo,
        };
        var git = new SubmitGitOptions();
        foreach (var option in git.All)
        {
            command.Options.Add(option);
        }
        command.Validators.Add(result =>
        {
            var fromGit = result.GetValue(git.Git) is not null;
            var srpmsGiven = result.GetValue(srpm) is { Length: > 0 } || result.GetValue(fromFile) is { Length: > 0 };
            if (!fromGit && !srpmsGiven)
            {
                result.AddError("Option '--srpm' is required.");
            }
            else if (fromGit && srpmsGiven)
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
            if (git.Given(parseResult))
            {
                var config = common.Load(parseResult);
                var receipt = await git.SubmitAsync(parseResult, config, parseResult.GetRequiredValue(arch), parseResult.GetRequiredValue(target),
                    parseResult.GetValue(disttag) ?? "", parseResult.GetValue(scratch), parseResult.GetValue(now), cancellationToken);
                Console.WriteLine($"Submitted SRPM {receipt.Srpm} to build queue {receipt.Tube} for target {receipt.Target} (scratch: {(receipt.Scratch ? "True" : "False")}) by {receipt.Submitter}");
                Console.WriteLine($"job id {receipt.JobId}, build id {receipt.BuildId}, priority {receipt.Priority}");
                return await WaitIfAskedAsync(parseResult, config, [receipt.BuildId], cancellationToken);
            }
            return await SubmitSrpmsAsync(parseResult, cancellationToken);
        }));
        return command;

        async Task<int> SubmitSrpmsAsync(ParseResult parseResult, CancellationToken cancellationToken)
        {
            var srpms = SrpmLists.Expand(parseResult.GetValue(srpm) ?? [], parseResult.GetValue(fromFile) ?? []);
            var isBulk = srpms.Count > 1;
            var inBackground = Priority(parseResult.GetValue(background), parseResult.GetValue(noBackground), parseResult.GetValue(now), isBulk);
            var config = common.Load(parseResult);
            if (parseResult.GetValue(after) is { Length: > 0 } afterIds)
            {
                return await SubmitAfterAsync(config, afterIds, srpms, parseResult.GetRequiredValue(arch), parseResult.GetRequiredValue(target),
                    parseResult.GetRequiredValue(disttag), parseResult.GetValue(scratch), inBackground, parseResult.GetValue(now) || parseResult.GetValue(replace), cancellationToken);
            }
            var orders = srpms.Select(s => new SubmitOrder(
                s,
                parseResult.GetRequiredValue(arch),
                parseResult.GetRequiredValue(target),
                parseResult.GetRequiredValue(disttag),
                parseResult.GetValue(scratch),
                parseResult.GetValue(now),
                parseResult.GetValue(replace),
                inBackground)).ToList();
            var submitter = CreateSubmitter(config, out var disposable);
            using (disposable)
            {
                if (!isBulk)
                {
                    var receipt = await submitter.SubmitAsync(orders[0], cancellationToken);
                    Console.WriteLine($"Submitted SRPM {receipt.Srpm} to build queue {receipt.Tube} for target {receipt.Target} (scratch: {(receipt.Scratch ? "True" : "False")}) by {receipt.Submitter}");
                    Console.WriteLine($"job id {receipt.JobId}, build id {receipt.BuildId}, priority {receipt.Priority}");
                    return await WaitIfAskedAsync(parseResult, config, [receipt.BuildId], cancellationToken);
                }
                var receipts = await submitter.SubmitManyAsync(orders, cancellationToken);
                var first = receipts[0];
                Console.WriteLine($"Submitted {receipts.Count} SRPMs to build queue {first.Tube} for target {first.Target} (scratch: {(first.Scratch ? "True" : "False")}{(inBackground ? ", background" : "")}) by {first.Submitter}");
                foreach (var r in receipts)
                {
                    Console.WriteLine($"{r.Srpm}: job id {r.JobId}, build id {r.BuildId}, priority {r.Priority}");
                }
                return await WaitIfAskedAsync(parseResult, config, [.. receipts.Select(r => r.BuildId)], cancellationToken);
            }
        }
    }

    // --wait / --wait-repo: follow the builds just queued as `reimzul watch` does; its exit code is the verdict.
    private static async Task<int> WaitIfAskedAsync(ParseResult parseResult, ReimzulConfig config, IReadOnlyList<string> buildIds, CancellationToken ct) =>
        parseResult.GetValue(Wait) || parseResult.GetValue(WaitRepo)
            ? await BuildWatch.RunAsync(config, buildIds, parseResult.GetValue(WaitRepo), ct)
            : ExitCodes.Ok;

    /// <summary><c>--after</c>: a chain of two groups, the builds named by id (queued before) and then these SRPMs.</summary>
    private static async Task<int> SubmitAfterAsync(ReimzulConfig config, string[] afterIds, IReadOnlyList<string> srpms, string arch, string target,
        string disttag, bool scratch, bool background, bool nowOrReplace, CancellationToken ct)
    {
        if (nowOrReplace)
        {
            throw new CliException("--after cannot be combined with --now or --replace");
        }
        foreach (var afterId in afterIds)
        {
            if (afterId.Length != 32 || !afterId.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                throw new CliException($"--after: build id '{afterId.Replace("'", "", StringComparison.Ordinal)}' is not 32 lower-case hex digits (as `reimzul submit` prints it)");
            }
        }
        List<List<(string? Srpm, string? BuildId)>> groups = [[.. afterIds.Select(id => ((string?)null, (string?)id))], [.. srpms.Select(s => ((string?)s, (string?)null))]];
        var chain = await ChainBuildCommand.PlanAsync(config, groups, arch, target, disttag, scratch, background, ct);
        var id = await ChainQueue.PutAsync(Composition.CreateQueueFactory(config), chain, ct);
        ChainBuildCommand.Print(chain, id);
        return ExitCodes.Ok;
    }

    /// <summary>Whether the builds go below the ordinary ones: asked for, or a bulk submit that did not ask otherwise.</summary>
    internal static bool Priority(bool background, bool noBackground, bool now, bool isBulk)
    {
        if (background && noBackground)
        {
            throw new CliException("--background and --no-background contradict each other");
        }
        if (background && now)
        {
            throw new CliException("--background and --now contradict each other");
        }
        return background || (isBulk && !noBackground && !now);
    }

    /// <summary>Many machines: through the controller, which names the submitter. One machine: here, by this user.</summary>
    internal static ISubmitter CreateSubmitter(ReimzulConfig config, out IDisposable? disposable)
    {
        if (config.Topology == Topology.ManyMachines)
        {
            var controller = ControllerClient.Create(config);
            disposable = controller;
            return new ControllerSubmitter(controller);
        }
        disposable = null;
        var core = BuildSubmitter.Create(config, Composition.CreateQueueFactory(config));
        return new LocalSubmitter(core, Environment.UserName);
    }
}
