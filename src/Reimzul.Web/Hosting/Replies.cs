using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Reimzul.Protocol;

namespace Reimzul.Web.Hosting;

/// <summary>Answers as JSON through the source-generated context; refusals as <c>{"error": "..."}</c>.</summary>
internal static class Replies
{
    public static IResult Error(int status, string message) =>
        Results.Json(new ErrorBody(message), RemoteJsonContext.Readable.ErrorBody, statusCode: status);

    public static IResult MethodNotAllowed(HttpContext context, string allowed)
    {
        context.Response.Headers.Allow = allowed;
        return Error(StatusCodes.Status405MethodNotAllowed, $"{context.Request.Method} is not allowed here; allowed: {allowed}");
    }

    /// <summary>Runs a handler; the <see cref="RemoteServiceException"/>s it throws become JSON errors with their status.</summary>
    public static async Task<IResult> GuardAsync(Func<Task<IResult>> handler)
    {
        try
        {
            return await handler();
        }
        catch (RemoteServiceException refusal)
        {
            return Error((int)(refusal.Status ?? HttpStatusCode.BadRequest), refusal.Message);
        }
    }

    /// <summary>The request body as <typeparamref name="T"/>; a refusal that says what is wrong otherwise.</summary>
    public static async Task<T> ReadJsonAsync<T>(HttpRequest request, JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return await JsonSerializer.DeserializeAsync(request.Body, type, cancellationToken)
                ?? throw new RemoteServiceException(HttpStatusCode.BadRequest, "the body is JSON null; expected an object");
        }
        catch (JsonException ex)
        {
            throw new RemoteServiceException(HttpStatusCode.BadRequest, $"the body is not valid JSON for this request: {ex.Message}");
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new RemoteServiceException(HttpStatusCode.RequestEntityTooLarge, $"the body is larger than {WebApps.SmallBodyLimit / 1024} KiB");
        }
    }
}
