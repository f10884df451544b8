using Microsoft.AspNetCore.Builder;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Reimzul.Config;
using Reimzul.History;
using Reimzul.Messages;
using Reimzul.Protocol;
using Reimzul.ResultStores;

namespace Reimzul.Web.Api;

/// <summary>
/// <c>GET /api/v1/builds/BUILD_ID/logs/ARCH/{build.log|root.log}?offset=N</c>: the log's bytes from offset N (at most
/// 1 MiB a reply), with <c>X-Log-Offset</c> (the offset to ask for next) and <c>X-Log-Complete</c> (true once the build
/// of that arch ended and every byte was served). While the build runs the bytes come from its live copy (the live log
/// dir on one machine, bstore over HTTP on many); once it ended, from the live copy if there is one, else from the
/// stored result. A build or arch the history does not know, and a log it never had, are 404.
/// </summary>
internal static class LogEndpoints
{
    public static void Map(RouteGroupBuilder api, ApiServices services)
    {
        var reader = LogSources.Create(services.Config);
        api.MapGet("/builds/{buildId}/logs/{arch}/{file}", (HttpContext context, string buildId, string arch, string file) =>
            ReadEndpoints.ReadAsync(context, services, async ct =>
            {
                if (LiveLogFiles.Problem(buildId, arch, file) is { } problem)
                {
                    throw new ApiRefusal(problem, StatusCodes.Status400BadRequest);
                }
                var offsetText = context.Request.Query["offset"].ToString();
                long offset = 0;
                if (offsetText.Length > 0 && !long.TryParse(offsetText, NumberStyles.None, CultureInfo.InvariantCulture, out offset))
                {
                    throw new ApiRefusal("offset must be a byte offset: a whole number of 0 or more", StatusCodes.Status400BadRequest);
                }
                var current = BuildArches.Current(await services.History.BuildAsync(buildId, ct)).FirstOrDefault(a => a.Arch == arch);
                if (current is null)
                {
                    throw new ApiRefusal($"build {buildId} has no arch {Validation.Printable.Quote(arch)} in the history", StatusCodes.Status404NotFound);
                }
                var ended = current.Status != BuildStatus.Building;
                var slice = await reader.LiveAsync(buildId, arch, file, offset, ct)
                    ?? (ended ? await reader.StoredAsync(current.Record, file, offset, ct) : null);
                if (slice is null)
                {
                    if (ended)
                    {
                        throw new ApiRefusal($"build {buildId} {arch} has no {file}", StatusCodes.Status404NotFound);
                    }
                    // Started, nothing written yet: come again.
                    slice = new LiveLogSlice(ReadOnlyMemory<byte>.Empty, offset, offset, false);
                }
                var headers = context.Response.Headers;
                headers[LiveLogFiles.OffsetHeader] = slice.Next.ToString(CultureInfo.InvariantCulture);
                // A worker that died never marked its copy complete: the history's word that the arch ended counts too.
                headers[LiveLogFiles.CompleteHeader] = slice.Complete || (ended && slice.Next >= slice.Length) ? "true" : "false";
                headers.CacheControl = "no-store";
                headers.XContentTypeOptions = "nosniff";
                // Served as text, never as a page: a log line with markup is shown as written.
                return Results.Bytes(slice.Bytes.ToArray(), "text/plain; charset=utf-8");
            }));
    }
}

/// <summary>Where the web role reads logs: this disk on one machine, bstore over HTTP(S) on many.</summary>
internal sealed class LogSources
{
    private readonly LiveLogFiles? _live;
    private readonly string? _repo;
    private readonly HttpClient? _bstore;

    private LogSources(LiveLogFiles? live, string? repo, HttpClient? bstore) => (_live, _repo, _bstore) = (live, repo, bstore);

    public static LogSources Create(ReimzulConfig config) => config.Topology == Topology.ManyMachines
        ? new LogSources(null, null, RemoteHttp.ForBstore(config))
        : new LogSources(LiveLogFiles.NextTo(config.Paths.Repo), config.Paths.Repo, null);

    public async Task<LiveLogSlice?> LiveAsync(string buildId, string arch, string file, long offset, CancellationToken ct)
    {
        if (_live is not null)
        {
            return await _live.ReadAsync(buildId, arch, file, offset, LiveLogFiles.MaxChunkBytes, ct);
        }
        var path = string.Create(CultureInfo.InvariantCulture, $"{LiveLogFiles.BstorePath.TrimStart('/')}/{buildId}/{Uri.EscapeDataString(arch)}/{Uri.EscapeDataString(file)}?offset={offset}");
        using var response = await _bstore!.GetAsync(path, ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        var bytes = await response.Content.ReadAsByteArrayAsync(ct);
        var next = long.TryParse(Header(response, LiveLogFiles.OffsetHeader), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : offset + bytes.Length;
        var complete = Header(response, LiveLogFiles.CompleteHeader) == "true";
        // bstore says whether more is there only through "complete"; an incomplete slice may be followed by more.
        return new LiveLogSlice(bytes, next, complete ? next : long.MaxValue, complete);
    }

    /// <summary>The log kept with the stored result of <paramref name="record"/>'s arch; null when there is none.</summary>
    public async Task<LiveLogSlice?> StoredAsync(BuildRecord record, string file, long offset, CancellationToken ct)
    {
        if (record.Evr.Length == 0 || record.PkgName.Length == 0)
        {
            return null;
        }
        string[] segments = [record.Target, record.PkgName, record.Timestamp, $"{record.Evr}.{record.Arch}", file];
        if (segments.Any(s => s.Contains('/', StringComparison.Ordinal) || s is "." or ".."))
        {
            return null;
        }
        if (_repo is not null)
        {
            var path = Path.Combine([_repo, .. segments]);
            if (!File.Exists(path))
            {
                return null;
            }
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var length = stream.Length;
            var start = Math.Min(offset, length);
            var buffer = new byte[(int)Math.Min(LiveLogFiles.MaxChunkBytes, length - start)];
            stream.Position = start;
            await stream.ReadExactlyAsync(buffer, ct);
            return new LiveLogSlice(buffer, start + buffer.Length, length, start + buffer.Length >= length);
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, RemoteProtocol.RepoPrefix.TrimStart('/') + "/" + string.Join('/', segments.Select(Uri.EscapeDataString)));
        request.Headers.Range = new RangeHeaderValue(offset, offset + LiveLogFiles.MaxChunkBytes - 1);
        using var response = await _bstore!.SendAsync(request, ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            var total = response.Content.Headers.ContentRange?.Length ?? offset;
            return new LiveLogSlice(ReadOnlyMemory<byte>.Empty, total, total, true);
        }
        response.EnsureSuccessStatusCode();
        var bytes = await response.Content.ReadAsByteArrayAsync(ct);
        var whole = response.Content.Headers.ContentRange?.Length ?? bytes.Length;
        var next = (response.Content.Headers.ContentRange?.From ?? 0) + bytes.Length;
        return new LiveLogSlice(bytes, next, whole, next >= whole);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
