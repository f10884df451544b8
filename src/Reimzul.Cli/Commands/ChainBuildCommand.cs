using System.CommandLine;
using Reimzul.Chains;
using Reimzul.Config;
using Reimzul.Messages;
using Reimzul.Submit;

namespace Reimzul.Cli.Commands;

/// <summary>
/// <c>reimzul chain-build -t TARGET -a ARCH -d DISTTAG A.src.rpm B.src.rpm : C.src.rpm</c>: groups separated by
/// <c>:</c> as in Koji; a group is built once every build of the group before it succeeded and is listed in the
/// target's repodata. Every SRPM is checked (and copied into incoming) before the chain is queued.
/// </summary>
public static class ChainBuildCommand
{
    private static readonly Argument<string[]> Srpms = new("SRPMS") { Description = "SRPMs (names in incoming or local files), groups separated by ':'", Arity = ArgumentArity.OneOrMore };
    private static readonly Option<string> Arch = new("--arch", "-a") { Description = "Arch to build for: " + string.Join(", ", Arches.BuildTubeByArch.Keys), Required = true };
    private static readonly Option<string> Target = new("--target", "-t") { Description = "Target repo without the arch, e.g. c7.1708.u", Required = true };
    private static readonly Option<string> Disttag = new("--disttag", "-d") { Description = "Value of %dist, e.g. .el7_4", Required = true };
    private static readonly Option<bool> Scratch = new("--scratch") { Description = "Build and publish, but do not stage the RPMs for signing" };
    private static readonly Option<bool> NoBackground = new("--no-background") { Description = "Queue the chain's builds among the ordinary builds (by default they run in the background, below them)" };

    public static Command Create(CommonOptions common)
    {
        var (srpms, arch, target, disttag, scratch, noBackground) = (Srpms, Arch, Target, Disttag, Scratch, NoBackground);
        var command = new Command("chain-build", "Queue groups of SRPMs (separated by ':') to build one group after the other, each once the group before it succeeded and is in the target's repodata.")
        {
            srpms, arch, target, disttag, scratch, noBackground,
        };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var groups = Groups(parseResult.GetRequiredValue(srpms));
            var config = common.Load(parseResult);
            var background = !parseResult.GetValue(noBackground);
            var (a, t, d, s) = (parseResult.GetRequiredValue(arch), parseResult.GetRequiredValue(target), parseResult.GetRequiredValue(disttag), parseResult.GetValue(scratch));
            var chain = await PlanAsync(config, groups.Select(g => g.Select(srpm => ((string?)srpm, (string?)null)).ToList()).ToList(), a, t, d, s, background, cancellationToken);
            var id = await ChainQueue.PutAsync(Composition.CreateQueueFactory(config), chain, cancellationToken);
            Print(chain, id);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The groups of the command line: SRPMs between <c>:</c> separators (also written stuck to a name, <c>a.src.rpm:</c>).</summary>
    internal static List<List<string>> Groups(IEnumerable<string> words)
    {
        var groups = new List<List<string>> { new() };
        foreach (var word in words)
        {
            var parts = word.Split(':');
            for (var i = 0; i < parts.Length; i++)
            {
                if (i > 0)
                {
                    groups.Add([]);
                }
                if (parts[i].Length > 0)
                {
                    groups[^1].Add(parts[i]);
                }
            }
        }
        if (groups.Any(g => g.Count == 0))
        {
            throw new CliException("every group of a chain needs at least one SRPM: found an empty group (two ':' in a row, or one at the start or end)");
        }
        return groups;
    }

    /// <summary>
    /// Checks every SRPM of every group and copies the local ones into incoming, then plans the chain (queuing
    /// nothing). A build named by id only (<c>submit --after</c>) is a group of its own, already queued.
    /// </summary>
    internal static async Task<ChainJob> PlanAsync(ReimzulConfig config, List<List<(string? Srpm, string? BuildId)>> groups,
        string arch, string target, string disttag, bool scratch, bool background, CancellationToken ct)
    {
        if (config.Topology == Topology.ManyMachines)
        {
            throw new CliException("chains run on one machine for now ([queue] backend = embedded): the chain role needs the incoming dir, the repo and the history at hand");
        }
        var core = BuildSubmitter.Create(config, Composition.CreateQueueFactory(config));
        var local = new LocalSubmitter(core, Environment.UserName);
        var orders = groups.SelectMany(g => g).Where(b => b.Srpm is not null)
            .Select(b => new SubmitOrder(b.Srpm!, arch, target, disttag, scratch, Now: false, Background: background)).ToList();
        var placed = orders.Count == 0 ? [] : await local.PlaceAllAsync(orders, ct);
        var next = 0;
        var named = groups.Select(g => (IReadOnlyList<(string?, string?)>)[.. g.Select(b => b.Srpm is null ? b : (placed[next++].Srpm, b.BuildId))]).ToList();
        return ChainQueue.Plan(named, arch, target, disttag, scratch, background, Environment.UserName);
    }

    internal static void Print(ChainJob chain, long jobId)
    {
        Console.WriteLine($"Queued chain {chain.ChainId} of {chain.Groups.Count} groups for target {chain.JobTarget} (scratch: {(chain.Scratch ? "True" : "False")}{(chain.Background ? ", background" : "")}) by {chain.Submitter}: job id {jobId} on tube {ChainJob.Tube}");
        for (var g = 0; g < chain.Groups.Count; g++)
        {
            foreach (var build in chain.Groups[g])
            {
                Console.WriteLine(build.Srpm is null
                    ? $"group {g + 1}: build id {build.BuildId} (queued before)"
                    : $"group {g + 1}: {build.Srpm}, build id {build.BuildId}");
            }
        }
    }
}
