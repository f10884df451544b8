using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Files;
using Reimzul.GitToSrpm;
using Reimzul.Rpm;
using Reimzul.Submit;
using Reimzul.Worker;

namespace Reimzul.BuildRequests;

/// <summary>What a git submit queued: the submit's receipt, the disttag and commit the SRPM was made from, and the arches the job builds.</summary>
public sealed record GitSubmitReceipt(SubmitReceipt Submit, string Disttag, string Commit, IReadOnlyList<string> Arches);

/// <summary>
/// A build of a package's git branch and ref, for MQTT requests and the controller's <c>--git</c> submits alike: the
/// SRPM is made in a private work dir under <c>incoming/.git-work/</c> (removed afterwards, whatever happens), placed
/// in incoming, and queued through the one submit path (<see cref="BuildSubmitter"/>).
/// </summary>
public sealed class GitSubmit(GitSrpmMaker maker, BuildSubmitter submitter, ILogger? logger = null)
{
    public const string WorkDirName = ".git-work";

    // Which commit and disttag each SRPM placed here was made from: a second request for the same commit (another
    // arch, a repeat) uses that SRPM, as rpmbuild -bs does not make the same bytes twice.
    public const string OriginsDirName = ".git-srpms";

    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    public string WorkRoot => Path.Combine(submitter.Incoming, WorkDirName);

    /// <exception cref="GitSrpmException">The SRPM could not be made (the message says why).</exception>
    /// <exception cref="SubmitRefusedException">The order is wrong, or incoming holds a different SRPM of that name.</exception>
    /// <exception cref="SubmitConflictException">The build id was used for another order.</exception>
    /// <exception cref="SubmitUnavailableException">The queue cannot be reached.</exception>
    public async Task<GitSubmitReceipt> SubmitAsync(GitSource source, string arch, string target, bool scratch, bool now, string submitterName, string? buildId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Problem() is { } problem)
        {
            throw new GitSrpmException(problem);
        }
        // Checked before anything is cloned, with a placeholder disttag when it is to be worked out.
        SubmitChecks.ArchTargetAndDisttag(new SubmitOrder("x.src.rpm", arch, target, source.Disttag.Length > 0 ? source.Disttag : ".x", scratch, now));

        System.IO.Directory.CreateDirectory(WorkRoot);
        var workDir = Path.Combine(WorkRoot, Guid.NewGuid().ToString("N"));
        // Private: the checkout and the sources are no other local user's business.
        if (OperatingSystem.IsLinux())
        {
            System.IO.Directory.CreateDirectory(workDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        else
        {
            System.IO.Directory.CreateDirectory(workDir);
        }
        try
        {
            var made = await maker.MakeAsync(source, workDir, ct);
            var header = RpmHeaderReader.ReadSource(made.Path);
            var name = Place(made);
            var receipt = await submitter.SubmitAsync(new SubmitOrder(name, arch, target, made.Disttag, scratch, now), submitterName, buildId, ct);
            _logger.LogInformation("git build of {Package} {Branch} {Ref} (commit {Commit}) queued as {Srpm} for {Target} by {Submitter}: build id {BuildId}",
                source.Package, source.Branch, source.Ref, made.Commit, name, receipt.Target, submitterName, receipt.BuildId);
            return new GitSubmitReceipt(receipt, made.Disttag, made.Commit, BuildChain.Plan(arch, arch, header.Name, header.Arch));
        }
        finally
        {
            try
            {
                System.IO.Directory.Delete(workDir, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _logger.LogError("work dir {WorkDir} could not be removed: {Message}", workDir, ex.Message);
            }
        }
    }

    /// <summary>Moves the SRPM into incoming under its own name; returns that name.</summary>
    private string Place(MadeSrpm made)
    {
        var name = Path.GetFileName(made.Path);
        SubmitChecks.Name(name);
        var final = Path.Combine(submitter.Incoming, name);
        var origins = Path.Combine(submitter.Incoming, OriginsDirName);
        System.IO.Directory.CreateDirectory(origins);
        var originFile = Path.Combine(origins, name);
        var origin = $"{made.Commit} {made.Disttag}";
        // Same file system: a rename, so a worker never reads half an SRPM.
        var temporary = Path.Combine(submitter.Incoming, $".{name}.{Guid.NewGuid():N}.tmp");
        File.Move(made.Path, temporary);
        try
        {
            if (IncomingSrpms.TryPlace(temporary, final))
            {
                DurableFiles.WriteAllText(originFile, origin);
                return name;
            }
        }
        finally
        {
            File.Delete(temporary);
        }
        var earlier = File.Exists(originFile) ? File.ReadAllText(originFile).Trim() : null;
        SubmitChecks.Check(earlier == origin,
            $"the incoming dir already holds an SRPM named '{name}' made from {(earlier is null ? "an upload" : "another commit or disttag")}; bump the release in the spec");
        return name;
    }
}
