using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Reimzul.History;

namespace Reimzul.Web.Api;

/// <summary>
/// The read side of <c>/api/v1</c> (docs/API.md): builds, one build, a package, queues, builders, buried jobs. No
/// credentials unless <c>[web] read_tokens</c> is set. A bad filter or path value is a 400 naming it, an unknown build
/// a 404, a history or queue that cannot be reached a 503; never a 500.
/// </summary>
internal static class ReadEndpoints
{
    public static void Map(RouteGroupBuilder api, ApiServices services)
    {
        var model = services.ReadModel;
        api.MapGet("/builds", (HttpContext context, CancellationToken cancellationToken) => ReadAsync(context, services, async ct =>
        {
            var list = await model.ListBuildsAsync(ApiQuery.Builds(context.Request.Query), ct);
            return Results.Json(list with { NextCursor = ApiQuery.Opaque(list.NextCursor) }, ApiJson.Default.BuildList);
        }));
        api.MapGet("/builds/{buildId}", (HttpContext context, string buildId) => ReadAsync(context, services, async ct =>
        {
            var build = await model.GetBuildAsync(ApiQuery.BuildId(buildId), ct);
            return build is null
                ? Error(StatusCodes.Status404NotFound, $"no build {Validation.Printable.Quote(buildId)} in the history")
                : Results.Json(build, ApiJson.Default.BuildDetail);
        }));
        api.MapGet("/packages/{pkgName}", (HttpContext context, string pkgName) => ReadAsync(context, services, async ct =>
        {
            var query = ApiQuery.Builds(context.Request.Query, ApiQuery.Package(pkgName));
            var list = await model.ListBuildsAsync(query, ct);
            var history = new Status.PackageHistory { Package = pkgName, Builds = list.Builds, NextCursor = ApiQuery.Opaque(list.NextCursor) };
            return Results.Json(history, ApiJson.Default.PackageHistory);
        }));
        api.MapGet("/queues", (HttpContext context, CancellationToken cancellationToken) => ReadAsync(context, services, async ct =>
            Results.Json(await model.QueuesAsync(ct), ApiJson.Default.QueueFigures)));
        api.MapGet("/builders", (HttpContext context, CancellationToken cancellationToken) => ReadAsync(context, services, async ct =>
            Results.Json(await model.BuildersAsync(services.Config.Web.BuildersSeenWithin, ct), ApiJson.Default.BuilderList)));
        api.MapGet("/buried", (HttpContext context, CancellationToken cancellationToken) => ReadAsync(context, services, async ct =>
            Results.Json(await model.BuriedAsync(ApiQuery.Tube(context.Request.Query), ct), ApiJson.Default.BuriedList)));
    }

    /// <summary>
    /// <c>{"error": "..."}</c> with markup escaped: the message may quote what the client sent.
    /// </summary>
    public static IResult Error(int status, string message) =>
        Results.Json(new Reimzul.Protocol.ErrorBody(message), ApiJson.Default.ErrorBody, statusCode: status);

    /// <summary>
    /// Runs a read after the read check; what the caller got wrong becomes a 4xx, a store that is down a 503. Also used
    /// by the badge, the feed and the pages.
    /// </summary>
    public static async Task<IResult> ReadAsync(HttpContext context, ApiServices services, Func<CancellationToken, Task<IResult>> read)
    {
        if (!services.Readers.TryAllow(context, out var refusal))
        {
            return refusal!;
        }
        try
        {
            return await read(context.RequestAborted);
        }
        catch (ApiRefusal ex)
        {
            return Error(ex.Status, ex.Message);
        }
        catch (ArgumentException ex)
        {
            // The store refuses what it cannot answer (a cursor it did not make).
            return Error(StatusCodes.Status400BadRequest, ex.Message);
        }
        catch (Exception ex) when (ex is HistoryUnavailableException or IOException or System.Net.Sockets.SocketException
            or InvalidOperationException or TimeoutException && !context.RequestAborted.IsCancellationRequested)
        {
            services.Logger.LogWarning("{Path}: {Error}", context.Request.Path, ex.Message);
            return Error(StatusCodes.Status503ServiceUnavailable, $"the history or the queue cannot be read now: {ex.Message}");
        }
    }
}
