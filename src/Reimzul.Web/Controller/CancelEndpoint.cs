using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Reimzul.Cancels;
using Reimzul.Messages;
using Reimzul.Web.Hosting;

namespace Reimzul.Web.Controller;

/// <summary>
/// <c>GET /reimzul/cancels/BUILD_ID</c> on the controller: the cancel request of a build (200, as JSON) or 404. The
/// workers of other hosts ask it while they build; no credentials, as whether a build was canceled is no secret.
/// </summary>
internal static class CancelEndpoint
{
    public static void Map(WebApplication app, CancelRecords records) =>
        app.MapGet(CancelRecords.ControllerPath + "/{buildId}", (string buildId) =>
        {
            if (!BuildIds.IsWellFormed(buildId))
            {
                return Replies.Error(StatusCodes.Status400BadRequest, "a build id is 32 lower-case hex digits");
            }
            return records.Find(buildId) is { } request
                ? Results.Json(request, CancelJson.Default.CancelRequest)
                : Replies.Error(StatusCodes.Status404NotFound, $"build {buildId} was not canceled");
        });
}
