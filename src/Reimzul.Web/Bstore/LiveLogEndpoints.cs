using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Reimzul.ResultStores;
using Reimzul.Web.Auth;
using Reimzul.Web.Hosting;
using Reimzul.Worker;

namespace Reimzul.Web.Bstore;

/// <summary>
/// The live logs of running builds on bstore (<see cref="LiveLogFiles"/>): workers append chunks while they build
/// (<c>POST /bstore/live/BUILD_ID/ARCH/NAME?offset=N&amp;attempt=A[&amp;complete=true]</c>, a writer, at most
/// <see cref="LiveLogFiles.MaxChunkBytes"/> a chunk), and the web role reads them from an offset
/// (<c>GET ...?offset=N</c>, anyone, as the repo and its logs are).
/// </summary>
internal static class LiveLogEndpoints
{
    private const string Route = LiveLogFiles.BstorePath + "/{buildId}/{arch}/{file}";

    public static void Map(WebApplication app, WriterAuthenticator auth, LiveLogFiles files)
    {
        app.MapPost(Route, (HttpContext context, string buildId, string arch, string file) => Replies.GuardAsync(async () =>
        {
            if (!auth.TryAuthenticate(context, out _, out var refusal))
            {
                return refusal;
            }
            if (LiveLogFiles.Problem(buildId, arch, file) is { } problem)
            {
                return Replies.Error(StatusCodes.Status400BadRequest, problem);
            }
            if (!TryOffset(context, out var offset, out refusal))
            {
                return refusal;
            }
            var attempt = context.Request.Query["attempt"].ToString();
            if (context.Request.ContentLength is not { } length || length > LiveLogFiles.MaxChunkBytes)
            {
                return Replies.Error(StatusCodes.Status413PayloadTooLarge, $"a chunk needs a Content-Length of at most {LiveLogFiles.MaxChunkBytes} bytes");
            }
            var bytes = new byte[length];
            await context.Request.Body.ReadExactlyAsync(bytes, context.RequestAborted);
            var complete = context.Request.Query["complete"].ToString() == "true";
            try
            {
                var now = await files.AppendAsync(new LiveLogChunk(buildId, arch, file, attempt, offset, bytes, complete), context.RequestAborted);
                return Results.Json(new LiveLogAppended(now), LiveLogJson.Default.LiveLogAppended);
            }
            catch (ArgumentException ex)
            {
                return Replies.Error(StatusCodes.Status400BadRequest, ex.Message);
            }
            catch (LiveLogRefusedException ex)
            {
                return Replies.Error(ex.TooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status409Conflict, ex.Message);
            }
            catch (IOException ex)
            {
                // Another writer holds the log this instant: the worker sends it again at its next interval.
                return Replies.Error(StatusCodes.Status503ServiceUnavailable, $"the live {file} is busy: {ex.Message}");
            }
        }));
        app.MapGet(Route, (HttpContext context, string buildId, string arch, string file) => Replies.GuardAsync(async () =>
        {
            if (LiveLogFiles.Problem(buildId, arch, file) is { } problem)
            {
                return Replies.Error(StatusCodes.Status400BadRequest, problem);
            }
            if (!TryOffset(context, out var offset, out var refusal))
            {
                return refusal;
            }
            if (await files.ReadAsync(buildId, arch, file, offset, LiveLogFiles.MaxChunkBytes, context.RequestAborted) is not { } slice)
            {
                return Replies.Error(StatusCodes.Status404NotFound, $"build {buildId} {arch} has no live {file} here");
            }
            context.Response.Headers[LiveLogFiles.OffsetHeader] = slice.Next.ToString(CultureInfo.InvariantCulture);
            context.Response.Headers[LiveLogFiles.CompleteHeader] = slice.Complete ? "true" : "false";
            context.Response.Headers.CacheControl = "no-store";
            return Results.Bytes(slice.Bytes.ToArray(), "text/plain; charset=utf-8");
        }));
    }

    /// <summary>The <c>offset</c> query parameter: absent is 0, anything but a non-negative integer a 400.</summary>
    internal static bool TryOffset(HttpContext context, out long offset, out IResult refusal)
    {
        var text = context.Request.Query["offset"].ToString();
        refusal = Results.Empty;
        offset = 0;
        if (text.Length == 0 || long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out offset))
        {
            return true;
        }
        refusal = Replies.Error(StatusCodes.Status400BadRequest, "offset must be a byte offset: a whole number of 0 or more");
        return false;
    }
}
