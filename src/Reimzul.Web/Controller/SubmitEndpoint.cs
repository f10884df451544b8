using Microsoft.AspNetCore.Http;
using Reimzul.Protocol;
using Reimzul.Submit;
using Reimzul.Web.Hosting;

namespace Reimzul.Web.Controller;

/// <summary>
/// <c>POST /reimzul/submit</c>: the wire request queued by <see cref="BuildSubmitter"/>, exactly as a local submit,
/// with the authenticated writer as submitter. A refusal is a 400, an unavailable queue a 503. A request repeating a
/// <c>build_id</c> gets the first job's receipt with 200 (201 when it queued a job), or a 409 when the id was used for
/// another build or the first submit was interrupted during its put (whether it is queued is then unknown).
/// </summary>
internal sealed class SubmitEndpoint(BuildSubmitter submits)
{
    public async Task<IResult> SubmitAsync(SubmitRequest request, string submitter, CancellationToken ct)
    {
        var order = new SubmitOrder(request.Srpm, request.Arch, request.Target, request.Disttag, request.Scratch, request.Now, request.Replace == true);
        SubmitReceipt receipt;
        try
        {
            receipt = await submits.SubmitAsync(order, submitter, request.BuildId, ct);
        }
        catch (SubmitConflictException ex)
        {
            return Replies.Error(StatusCodes.Status409Conflict, ex.Message);
        }
        catch (SubmitRefusedException ex)
        {
            return Replies.Error(StatusCodes.Status400BadRequest, ex.Message);
        }
        catch (SubmitUnavailableException ex)
        {
            return Replies.Error(StatusCodes.Status503ServiceUnavailable, ex.Message);
        }
        var result = new SubmitResult
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
        return Results.Json(result, RemoteJsonContext.Readable.SubmitResult, statusCode: receipt.Repeated ? StatusCodes.Status200OK : StatusCodes.Status201Created);
    }
}
