using Microsoft.AspNetCore.Builder;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Reimzul.Cancels;
using Reimzul.History;
using Reimzul.Messages;
using Reimzul.Queue;
using Reimzul.Submit;
using Reimzul.Validation;
using Reimzul.Worker;

namespace Reimzul.Web.Api;

/// <summary>
/// The actions of <c>/api/v1</c> (docs/API.md): cancel a build, resubmit it (or only its failed arches), kick buried
/// jobs, fix-build. Each needs a writer's token or client certificate (<c>[web] tokens</c>, <c>client_certs</c>,
/// <c>writers</c>): 401 without credentials, 403 for one that may not write.
/// </summary>
internal static class ActionEndpoints
{
    private const int MaxKick = 10_000;

    public static void Map(RouteGroupBuilder api, ApiServices services)
    {
        var cancels = CancelRecords.Under(services.Config.Paths.DataDir);
        var submits = BuildSubmitter.Create(services.Config, services.Queues, services.Logger);
        var queuedRemoval = new QueuedBuildRemoval(submits, services.Queues, cancels, services.Time, services.Logger);
        api.MapPost("/builds/{buildId}/cancel", (HttpContext context, string buildId) => WriteAsync(context, services, async (writer, ct) =>
        {
            var id = BuildIdOf(buildId);
            var arches = BuildArches.Current(await services.History.BuildAsync(id, ct));
            if (arches.Count > 0 && arches.All(a => !a.Running))
            {
                throw new ApiRefusal($"build {id} has ended ({string.Join(", ", arches.Select(a => $"{a.Arch} {a.Status}"))}): nothing to cancel",
                    StatusCodes.Status409Conflict);
            }
            // Recorded before anything else: a worker that reserves the job from now on drops it, one that builds it stops.
            var request = cancels.Write(new CancelRequest { BuildId = id, RequestedBy = writer, RequestedAt = services.Time.GetUtcNow() });
            var running = arches.Where(a => a.Running).Select(a => a.Arch).ToList();
            // Not started: its job leaves the tube now, when it is still there (a worker holding it stops it instead).
            var removed = arches.Count == 0 && await queuedRemoval.RemoveAsync(request, ct) is { } arch ? [arch] : new List<string>();
            services.Logger.LogInformation("build {BuildId}: cancel requested by {Writer} (running: {Arches}; removed from the queue: {Removed})", id, writer,
                running.Count == 0 ? "none recorded" : string.Join(", ", running), removed.Count == 0 ? "none" : string.Join(", ", removed));
            return Results.Json(new CancelReply(id, running, Queued: arches.Count == 0, removed), ActionJson.Default.CancelReply, statusCode: StatusCodes.Status202Accepted);
        }));

        api.MapPost("/builds/{buildId}/resubmit", (HttpContext context, string buildId) => WriteAsync(context, services, async (writer, ct) =>
        {
            var id = BuildIdOf(buildId);
            var request = await ReadBodyAsync(context, ActionJson.Default.ResubmitRequest, new ResubmitRequest(false), ct);
            var records = await services.History.BuildAsync(id, ct);
            if (records.Count == 0)
            {
                throw new ApiRefusal($"no build {id} in the history", StatusCodes.Status404NotFound);
            }
            var arches = BuildArches.Current(records);
            var again = request.FailedOnly ? arches.Where(a => a.Status is BuildStatus.Failed or BuildStatus.Canceled).Select(a => a.Arch).ToList() : arches.Select(a => a.Arch).ToList();
            if (again.Count == 0)
            {
                throw new ApiRefusal($"no arch of build {id} failed or was canceled ({string.Join(", ", arches.Select(a => $"{a.Arch} {a.Status}"))})", StatusCodes.Status409Conflict);
            }
            var first = records[0];
            var (target, arch) = SplitTarget(first.Target);
            var order = new SubmitOrder(first.Srpm, arch, target, first.Disttag, first.Scratch, Now: false)
            {
                // The whole chain again, or only the arches of it that failed (an i386 chained build, say).
                OnlyArches = request.FailedOnly ? again : null,
            };
            var submitter = BuildSubmitter.Create(services.Config, services.Queues, services.Logger);
            var receipt = await submitter.SubmitAsync(order, writer, ct);
            services.Logger.LogInformation("build {BuildId} resubmitted by {Writer} as {NewId} ({Arches})", id, writer, receipt.BuildId, string.Join(", ", again));
            return Results.Json(new ResubmitReply(receipt.BuildId, again, id), ActionJson.Default.ResubmitReply, statusCode: StatusCodes.Status202Accepted);
        }));

        api.MapPost("/queues/{tube}/kick", (HttpContext context, string tube) => WriteAsync(context, services, async (writer, ct) =>
        {
            if (!TubeNames.TryValidate(tube, out var badTube))
            {
                throw new ApiRefusal(badTube, StatusCodes.Status400BadRequest);
            }
            var request = await ReadBodyAsync(context, ActionJson.Default.KickRequest, new KickRequest(1), ct);
            if (request.Count is < 1 or > MaxKick)
            {
                throw new ApiRefusal($"count must be between 1 and {MaxKick}", StatusCodes.Status400BadRequest);
            }
            await using var admin = await services.Queues.OpenAdminAsync(ct);
            var kicked = await admin.KickAsync(tube, request.Count, ct);
            services.Logger.LogInformation("{Writer} kicked {Kicked} job(s) of {Tube}", writer, kicked, tube);
            return Results.Json(new KickReply(kicked), ActionJson.Default.KickReply);
        }));

        api.MapPost("/fix-build", (HttpContext context, CancellationToken _) => WriteAsync(context, services, async (writer, ct) =>
        {
            var request = await ReadBodyAsync<FixBuildRequest>(context, ActionJson.Default.FixBuildRequest, null, ct);
            foreach (var (name, value) in new[] { ("srpm", request.Srpm), ("target", request.Target), ("arch", request.Arch), ("comment", request.Comment) })
            {
                if (string.IsNullOrWhiteSpace(value))
                {
                    throw new ApiRefusal($"{name} is missing", StatusCodes.Status400BadRequest);
                }
            }
            var comment = $"{request.Comment} (by {writer})";
            if (!await services.History.OverrideAsync(request.Srpm!, request.Target!, request.Arch!, comment, ct))
            {
                throw new ApiRefusal($"no latest build of {Printable.Quote(request.Srpm!)} for {Printable.Quote(request.Target!)} {Printable.Quote(request.Arch!)} to override", StatusCodes.Status404NotFound);
            }
            services.Logger.LogInformation("{Writer} set {Srpm} {Target} {Arch} to Override: {Comment}", writer, request.Srpm, request.Target, request.Arch, request.Comment);
            return Results.Json(new FixBuildReply(true), ActionJson.Default.FixBuildReply);
        }));
    }

    /// <summary>Runs an action for an authenticated writer; refusals become their 4xx, an unreachable store a 503.</summary>
    private static async Task<IResult> WriteAsync(HttpContext context, ApiServices services, Func<string, CancellationToken, Task<IResult>> action)
    {
        if (!services.Writers.TryAuthenticate(context, out var writer, out var refusal))
        {
            return refusal;
        }
        try
        {
            return await action(writer, context.RequestAborted);
        }
        catch (ApiRefusal ex)
        {
            return ReadEndpoints.Error(ex.Status, ex.Message);
        }
        catch (SubmitRefusedException ex)
        {
            return ReadEndpoints.Error(StatusCodes.Status422UnprocessableEntity, ex.Message);
        }
        catch (SubmitUnavailableException ex)
        {
            return ReadEndpoints.Error(StatusCodes.Status503ServiceUnavailable, ex.Message);
        }
        catch (ArgumentException ex)
        {
            return ReadEndpoints.Error(StatusCodes.Status400BadRequest, ex.Message);
        }
        catch (Exception ex) when (ex is HistoryUnavailableException or IOException or System.Net.Sockets.SocketException or TimeoutException
            && !context.RequestAborted.IsCancellationRequested)
        {
            services.Logger.LogWarning("{Path}: {Error}", context.Request.Path, ex.Message);
            return ReadEndpoints.Error(StatusCodes.Status503ServiceUnavailable, $"the history or the queue cannot be reached now: {ex.Message}");
        }
    }

    private static string BuildIdOf(string buildId) => BuildIds.IsWellFormed(buildId)
        ? buildId
        : throw new ApiRefusal($"build id {Printable.Quote(buildId)} is not 32 lower-case hex digits", StatusCodes.Status400BadRequest);

    /// <summary>A job's target is the requested target and arch (<c>c7.1708.u.x86_64</c>): split it back.</summary>
    private static (string Target, string Arch) SplitTarget(string jobTarget)
    {
        var dot = jobTarget.LastIndexOf('.');
        return dot > 0 && Arches.BuildTubeByArch.ContainsKey(jobTarget[(dot + 1)..])
            ? (jobTarget[..dot], jobTarget[(dot + 1)..])
            : throw new ApiRefusal($"target {Printable.Quote(jobTarget)} does not end with a known arch, so its build cannot be submitted again", StatusCodes.Status409Conflict);
    }

    /// <summary>An empty body is <paramref name="empty"/> (null: required); anything else must be the JSON object.</summary>
    private static async Task<T> ReadBodyAsync<T>(HttpContext context, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, T? empty, CancellationToken ct)
        where T : class
    {
        if (context.Request.ContentLength is 0 || (context.Request.ContentLength is null && !context.Request.Headers.ContainsKey("Transfer-Encoding")))
        {
            return empty ?? throw new ApiRefusal("this action needs a JSON body", StatusCodes.Status400BadRequest);
        }
        try
        {
            return await System.Text.Json.JsonSerializer.DeserializeAsync(context.Request.Body, type, ct)
                ?? throw new ApiRefusal("the body is JSON null; expected an object", StatusCodes.Status400BadRequest);
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new ApiRefusal($"the body is not valid JSON for this action: {ex.Message}", StatusCodes.Status400BadRequest);
        }
    }
}

/// <summary>Each arch of a build as it stands: its newest record that a later one did not supersede.</summary>
internal sealed record BuildArches(string Arch, string Status, BuildRecord Record)
{
    public bool Running => Status == BuildStatus.Building;

    public static IReadOnlyList<BuildArches> Current(IReadOnlyList<BuildRecord> records) =>
        [.. records
            .Where(r => r.Status != BuildStatus.Done)
            .GroupBy(r => r.Arch, StringComparer.Ordinal)
            .Select(g => g.Last())
            .Select(r => new BuildArches(r.Arch, r.Status, r))];
}

/// <param name="Canceled">The running arches being stopped.</param>
/// <param name="Queued">No arch had started: a job still queued is removed (<paramref name="Removed"/>), one taken meanwhile is dropped by its worker.</param>
/// <param name="Removed">The arches whose queued job was deleted from its tube and announced Canceled.</param>
internal sealed record CancelReply(string BuildId, IReadOnlyList<string> Canceled, bool Queued, IReadOnlyList<string> Removed);

internal sealed record ResubmitRequest(bool FailedOnly);

internal sealed record ResubmitReply(string BuildId, IReadOnlyList<string> Arches, string ResubmittedFrom);

internal sealed record KickRequest(int Count);

internal sealed record KickReply(int Kicked);

internal sealed record FixBuildRequest(string? Srpm, string? Target, string? Arch, string? Comment);

internal sealed record FixBuildReply(bool Fixed);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(CancelReply))]
[JsonSerializable(typeof(ResubmitRequest))]
[JsonSerializable(typeof(ResubmitReply))]
[JsonSerializable(typeof(KickRequest))]
[JsonSerializable(typeof(KickReply))]
[JsonSerializable(typeof(FixBuildRequest))]
[JsonSerializable(typeof(FixBuildReply))]
internal sealed partial class ActionJson : JsonSerializerContext;
