using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Reimzul.Authorization;
using Reimzul.Protocol;
using Reimzul.Submit;
using Reimzul.Web.Hosting;

namespace Reimzul.Web.Controller;

/// <summary>
/// <c>POST /reimzul/submit-bulk</c>: many SRPMs of the controller's incoming dir for one arch and target, queued by
/// <see cref="BuildSubmitter.SubmitManyAsync"/> with the authenticated writer as submitter: every SRPM is checked
/// first, and one bad SRPM refuses the whole request (400, naming each bad one) with nothing queued. Statuses as
/// <see cref="SubmitEndpoint"/>: 201 queued, 200 a repeat of the same build ids, 409 build ids used otherwise, 503 no queue.
/// </summary>
internal sealed class BulkSubmitEndpoint(BuildSubmitter submits, BuildAcl? acl)
{
    /// <summary>More than a distro's source packages for one arch; a bigger bulk is split by the client.</summary>
    public const int MaxSrpms = 20_000;

    /// <summary>The largest bulk request: <see cref="MaxSrpms"/> names and build ids, with room to spare.</summary>
    public const long MaxBodyBytes = 16L * 1024 * 1024;

    /// <summary>Raises the JSON body limit of this request (1 MiB elsewhere) to <see cref="MaxBodyBytes"/>.</summary>
    public static void AllowBody(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }
    }

    public async Task<IResult> SubmitAsync(BulkSubmitRequest request, string submitter, CancellationToken ct)
    {
        if (request.Srpms.Count > MaxSrpms)
        {
            return Replies.Error(StatusCodes.Status400BadRequest, $"{request.Srpms.Count} SRPMs in one bulk submit; at most {MaxSrpms}");
        }
        // The same [acl] as a single submit: one arch, target and scratch flag for the whole bulk.
        if (acl?.WhyNot(submitter, request.Arch, request.Target, request.Scratch) is { } denied)
        {
            return Replies.Error(StatusCodes.Status403Forbidden, denied);
        }
        var orders = request.Srpms
            .Select(srpm => new SubmitOrder(srpm, request.Arch, request.Target, request.Disttag, request.Scratch, request.Now, request.Replace == true, request.Background == true))
            .ToList();
        IReadOnlyList<SubmitReceipt> receipts;
        try
        {
            receipts = await submits.SubmitManyAsync(orders, submitter, request.BuildIds, ct);
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
        var result = new BulkSubmitResult
        {
            Builds = [.. receipts.Select(SubmitEndpoint.ResultOf)],
        };
        var repeated = receipts.All(r => r.Repeated);
        return Results.Json(result, RemoteJsonContext.Readable.BulkSubmitResult, statusCode: repeated ? StatusCodes.Status200OK : StatusCodes.Status201Created);
    }
}
