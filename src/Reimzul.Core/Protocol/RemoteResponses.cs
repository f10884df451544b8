using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Reimzul.Protocol;

/// <summary>Reads the services' answers: the expected JSON, or their reason for a refusal.</summary>
internal static class RemoteResponses
{
    /// <summary>The answer as <typeparamref name="T"/>; a refusal (<see cref="RefusalAsync"/>) for an unsuccessful status.</summary>
    public static async Task<T> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        try
        {
            var value = await response.Content.ReadFromJsonAsync(type, cancellationToken).ConfigureAwait(false);
            return value ?? throw new RemoteServiceException(response.StatusCode, $"{Describe(response)} answered with an empty body");
        }
        catch (JsonException ex)
        {
            throw new RemoteServiceException(response.StatusCode, $"{Describe(response)} answered with unreadable JSON: {ex.Message}");
        }
    }

    /// <summary>Throws the service's refusal (<see cref="RefusalAsync"/>) unless the status is a success.</summary>
    public static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw await RefusalAsync(response, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The service's reason (its <c>error</c> field, else the start of the body), prefixed with what was refused.</summary>
    public static async Task<RemoteServiceException> RefusalAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string reason;
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            reason = TryError(text) ?? (text.Length > 300 ? text[..300] + "…" : text).Trim();
        }
        catch (HttpRequestException ex)
        {
            reason = ex.Message;
        }
        if (reason.Length == 0)
        {
            reason = response.ReasonPhrase ?? "no reason given";
        }
        return new RemoteServiceException(response.StatusCode, $"{Describe(response)} refused ({(int)response.StatusCode}): {reason}");
    }

    private static string? TryError(string text)
    {
        try
        {
            return JsonSerializer.Deserialize(text, RemoteJsonContext.Default.ErrorBody)?.Error;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Describe(HttpResponseMessage response) =>
        response.RequestMessage is { } request ? $"{request.Method} {request.RequestUri}" : "the service";

    public static bool IsTransient(HttpStatusCode status) => RemoteStatuses.IsTransient(status);
}

/// <summary>Which answers of the services may turn out otherwise when the same request is sent again.</summary>
public static class RemoteStatuses
{
    /// <summary>True for 5xx, 408 and 429 (the service is down, slow or busy); any other refusal stands.</summary>
    public static bool IsTransient(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    /// <summary>True for a 4xx other than 408 and 429: the service refuses this request and will again.</summary>
    public static bool IsPermanentRefusal(HttpStatusCode status) =>
        (int)status is >= 400 and < 500 && !IsTransient(status);
}
