using System.CommandLine;
using Reimzul.Config;
using Reimzul.GitToSrpm;
using Reimzul.Messages;
using Reimzul.Protocol;
using Reimzul.Submit;

namespace Reimzul.Cli.Commands;

/// <summary>
/// <c>reimzul submit --git PKG --branch B [--ref R] [--sourcesdir DIR]</c>: the controller makes the SRPM from git and
/// queues it, for sites without MQTT. Many machines only: the controller holds <c>[scm]</c> and the ACL.
/// </summary>
internal sealed class SubmitGitOptions
{
    public Option<string?> Git { get; } = new("--git") { Description = "Build package PKG from git on the controller (GIT_URL/r/rpms/PKG.git) instead of an SRPM; needs --branch", HelpName = "PKG" };
    public Option<string?> Branch { get; } = new("--branch", "-b") { Description = "With --git: the branch to build, e.g. c7" };
    public Option<string?> Ref { get; } = new("--ref", "-r") { Description = "With --git: commit, tag or HEAD on the branch (default HEAD)" };
    public Option<string?> SourcesDir { get; } = new("--sourcesdir") { Description = "With --git: the lookaside dir of the sources when it is not the branch" };

    public IEnumerable<Option> All => [Git, Branch, Ref, SourcesDir];

    public bool Given(ParseResult parseResult) => parseResult.GetValue(Git) is not null;

    /// <summary>Asks the controller to build the git source; the disttag may be empty (worked out there).</summary>
    public async Task<SubmitReceipt> SubmitAsync(ParseResult parseResult, ReimzulConfig config, string arch, string target, string disttag, bool scratch, bool now, CancellationToken ct)
    {
        if (config.Topology != Topology.ManyMachines)
        {
            throw new CliException("--git needs a controller ([queue] backend = beanstalkd and [controller] url): the SRPM is made there from [scm] git_url");
        }
        var source = new GitSource(parseResult.GetValue(Git)!, parseResult.GetValue(Branch) ?? "", parseResult.GetValue(Ref) ?? GitSource.DefaultRef, disttag, parseResult.GetValue(SourcesDir) ?? "");
        if (source.Problem() is { } problem)
        {
            throw new CliException(problem + (source.Branch.Length == 0 ? " (give --branch)" : ""));
        }
        using var controller = ControllerClient.Create(config);
        SubmitResult result;
        try
        {
            result = await controller.SubmitAsync(new SubmitRequest
            {
                Arch = arch,
                Target = target,
                Disttag = disttag,
                Scratch = scratch,
                Now = now,
                BuildId = BuildIds.New(),
                GitPkg = source.Package,
                GitBranch = source.Branch,
                GitRef = source.Ref,
                SourcesDir = source.SourcesDir.Length > 0 ? source.SourcesDir : null,
            }, ct);
        }
        catch (RemoteServiceException ex) when ((int?)ex.Status is 503 or 502 or 504)
        {
            throw new SubmitUnavailableException(ex.Message, ex);
        }
        catch (RemoteServiceException ex)
        {
            throw new SubmitRefusedException(ex.Message, ex);
        }
        catch (HttpRequestException ex)
        {
            throw new SubmitUnavailableException($"controller {controller.BaseAddress} cannot be reached: {ex.Message}", ex);
        }
        if (result.Disttag is { } made)
        {
            Console.WriteLine($"Made {result.Srpm} from {source.Package} {source.Branch} {source.Ref} (commit {result.Commit}, disttag {(made.Length > 0 ? made : "none")})");
        }
        return new SubmitReceipt(result.JobId, result.BuildId, result.Tube, result.Priority, result.Srpm, result.Target, result.Scratch, result.Submitter);
    }
}
