using Microsoft.AspNetCore.Http;
using Reimzul.Authorization;
using Reimzul.BuildRequests;
using Reimzul.GitToSrpm;
using Reimzul.Protocol;
using Reimzul.Submit;
using Reimzul.Web.Hosting;

namespace Reimzul.Web.Controller;

/// <summary>
/// <c>POST /reimzul/submit</c>: the wire request queued by <see cref="BuildSubmitter"/>, exactly as a local submit,
/// with the authenticated writer as submitter. A refusal is a 400, an unavailable queue a 503. A request repeating a
/// <c>build_id</c> gets the first job's receipt with 200 (201 when it queued a job), or a 409 when the id was used for
/// another build or the first submit was interrupted during its put (whether it is queued is then unknown).
/// With <c>[acl]</c> configured, a writer it does not allow the arch, target or non-scratch build gets a 403; without
/// it, every writer may submit (the writers rule alone). A request naming <c>git_pkg</c> is built from git
/// (<see cref="GitSubmit"/>), as an MQTT request is.
/// </summary>
internal sealed class SubmitEndpoint(BuildSubmitter submits, BuildAcl? acl, GitSubmit git)
{
    public async Task<IResult> SubmitAsync(SubmitRequest request, string submitter, CancellationToken ct)
    {
        if (acl?.WhyNot(submitter, request.Arch, request.Target, request.Scratch) is { } denied)
        {
            return Replies.Error(StatusCodes.Status403Forbidden, denied);
        }
        SubmitReceipt receipt;
        string? disttag = null;
        string? commit = null;
        try
        {
            if (request.GitPkg is { } package)
            {
                var source = new GitSource(package, request.GitBranch ?? "", request.GitRef is { Length: > 0 } gitRef ? gitRef : GitSource.DefaultRef, request.Disttag, request.SourcesDir ?? "");
                var made = await git.SubmitAsync(source, request.Arch, request.Target, request.Scratch, request.Now, submitter, request.BuildId, ct);
                (receipt, disttag, commit) = (made.Submit, made.Disttag, made.Commit);
            }
            else
            {
                var order = new SubmitOrder(request.Srpm, request.Arch, request.Target, request.Disttag, request.Scratch, request.Now, request.Replace == true);
                receipt = await submits.SubmitAsync(order, submitter, request.BuildId, ct);
            }
        }
        catch (SubmitConflictException ex)
        {
            return Replies.Error(StatusCodes.Status409Conflict, ex.Message);
        }
        catch (Exception ex) when (ex is SubmitRefusedException or GitSrpmException)
        {
            return Replies.Error(StatusCodes.Status400BadRequest, ex.Message);
        }
        catch (SubmitUnavailableException ex)
        {
            return Replies.Error(StatusCodes.Status503ServiceUnavailable, ex.Message);
        }
        var result = ResultOf(receipt) with { Disttag = disttag, Commit = commit };
        return Results.Json(result, RemoteJsonContext.Readable.SubmitResult, statusCode: receipt.Repeated ? StatusCodes.Status200OK : StatusCodes.Status201Created);
    }

    /// <summary>The reply's record of a queued build, for a single submit and each build of a bulk one.</summary>
    internal static SubmitResult ResultOf(SubmitReceipt receipt) => new()
    {
        JobId = receipt.JobId,
        BuildId = receipt.BuildId,
        Tube = receipt.Tube,
        Priority = receipt.Priority,
        Srpm = receipt.Srpm,
        Target = receipt.Target,
        Scratch = receipt.Scratch,
        Submitter = receipt.Submitter,
    };
}
