using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Reimzul.Config;
using Reimzul.Protocol;

namespace Reimzul.Cli;

/// <summary>
/// The CLI's side of <c>/api/v1</c> at <c>[web] url</c> (with <c>[web] token_file</c> or the client certificate for
/// the actions): what <c>watch</c>, <c>logs</c>, <c>cancel</c>, <c>resubmit</c> and <c>submit --wait</c> ask.
/// A refusal (4xx) is a <see cref="CliException"/> with the server's reason and exit code 2; a server that cannot be
/// reached or fails, exit code 1.
/// </summary>
internal sealed class WebApiClient(HttpClient http) : IDisposable
{
    public static WebApiClient Create(ReimzulConfig config) => new(RemoteHttp.ForWeb(config));

    public Uri? BaseAddress => http.BaseAddress;

    /// <summary>The build with its arches; null while the history knows none of it (queued, or an unknown id).</summary>
    public async Task<ApiBuild?> BuildAsync(string buildId, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Get, $"api/v1/builds/{Uri.EscapeDataString(buildId)}", null, ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        return await ReadAsync(response, WebApiJson.Default.ApiBuild, ct);
    }

    public async Task<ApiCancelReply> CancelAsync(string buildId, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Post, $"api/v1/builds/{Uri.EscapeDataString(buildId)}/cancel", null, ct);
        return await ReadAsync(response, WebApiJson.Default.ApiCancelReply, ct);
    }

    public async Task<ApiResubmitReply> ResubmitAsync(string buildId, bool failedOnly, CancellationToken ct)
    {
        var body = JsonContent.Create(new ApiResubmitRequest(failedOnly), WebApiJson.Default.ApiResubmitRequest);
        using var response = await SendAsync(HttpMethod.Post, $"api/v1/builds/{Uri.EscapeDataString(buildId)}/resubmit", body, ct);
        return await ReadAsync(response, WebApiJson.Default.ApiResubmitReply, ct);
    }

    /// <summary>Bytes of a log from <paramref name="offset"/>: the next offset and whether the log is complete.</summary>
    public async Task<(byte[] Bytes, long Next, bool Complete)> LogAsync(string buildId, string arch, string file, long offset, CancellationToken ct)
    {
        var path = string.Create(CultureInfo.InvariantCulture, $"api/v1/builds/{Uri.EscapeDataString(buildId)}/logs/{Uri.EscapeDataString(arch)}/{file}?offset={offset}");
        using var response = await SendAsync(HttpMethod.Get, path, null, ct);
        await EnsureAsync(response, ct);
        var bytes = await response.Content.ReadAsByteArrayAsync(ct);
        var next = response.Headers.TryGetValues("X-Log-Offset", out var o) && long.TryParse(o.First(), CultureInfo.InvariantCulture, out var n) ? n : offset + bytes.Length;
        var complete = response.Headers.TryGetValues("X-Log-Complete", out var c) && c.First() == "true";
        return (bytes, next, complete);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            return await http.SendAsync(request, timeout.Token);
        }
        catch (HttpRequestException ex)
        {
            throw new CliException($"the web API at {http.BaseAddress} cannot be reached: {ex.Message}", ExitCodes.Failure);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new CliException($"the web API at {http.BaseAddress} did not answer within 30 s", ExitCodes.Failure);
        }
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken ct)
    {
        await EnsureAsync(response, ct);
        return await response.Content.ReadFromJsonAsync(type, ct) ?? throw new CliException("the web API answered null", ExitCodes.Failure);
    }

    private static async Task EnsureAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        var text = await response.Content.ReadAsStringAsync(ct);
        string reason;
        try
        {
            reason = JsonSerializer.Deserialize(text, WebApiJson.Default.ErrorBody)?.Error ?? text;
        }
        catch (JsonException)
        {
            reason = text;
        }
        var code = (int)response.StatusCode is >= 400 and < 500 and not 408 and not 429 ? ExitCodes.BadInput : ExitCodes.Failure;
        throw new CliException($"{(int)response.StatusCode} {response.ReasonPhrase}: {reason}", code);
    }

    public void Dispose() => http.Dispose();
}

internal sealed record ApiBuild
{
    public string BuildId { get; init; } = "";
    public string Srpm { get; init; } = "";
    public string Target { get; init; } = "";
    public IReadOnlyList<ApiArch> Arches { get; init; } = [];
}

internal sealed record ApiArch
{
    public string Arch { get; init; } = "";
    public string Status { get; init; } = "";
    public string? Builder { get; init; }
    [JsonPropertyName("duration_s")] public double? DurationSeconds { get; init; }
    public string? Reason { get; init; }
    public IReadOnlyList<string> Rpms { get; init; } = [];
}

internal sealed record ApiCancelReply(string BuildId, IReadOnlyList<string> Canceled, bool Queued, IReadOnlyList<string>? Removed);

internal sealed record ApiResubmitRequest(bool FailedOnly);

internal sealed record ApiResubmitReply(string BuildId, IReadOnlyList<string> Arches);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ApiBuild))]
[JsonSerializable(typeof(ApiCancelReply))]
[JsonSerializable(typeof(ApiResubmitRequest))]
[JsonSerializable(typeof(ApiResubmitReply))]
[JsonSerializable(typeof(ErrorBody))]
internal sealed partial class WebApiJson : JsonSerializerContext;
