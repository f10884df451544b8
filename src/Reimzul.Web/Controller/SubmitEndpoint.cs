using Microsoft.AspNetCore.Http;
using Reimzul.Protocol;
using Reimzul.Submit;
using Reimzul.Web.Hosting;

namespace Reimzul.Web.Controller;

/// <summary>
/// <c>POST /reimzul/submit</c>: the wire request queued by <see cref="BuildSubmitter"/>, exactly as a local submit,
/// with the authenticated writer as submitter. A refusal is a 400, an unavailable queue a 503.
/// </summary>
internal sealed class SubmitEndpoint(BuildSubmitter submits)
{
    public async Task<IResult> SubmitAsync(SubmitRequest request, string submitter, CancellationToken ct)
    {
        var order = new SubmitOrder(request.Srpm, request.Arch, request.Target, request.Disttag, request.Scratch, request.Now);
        SubmitReceipt receipt;
        try
        {
            receipt = await submits.SubmitAsync(order, submitter, ct);
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
        return Results.Json(result, RemoteJsonContext.Readable.SubmitResult, statusCode: StatusCodes.Status201Created);
    }
}
