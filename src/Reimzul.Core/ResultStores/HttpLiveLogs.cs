using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Reimzul.Worker;

namespace Reimzul.ResultStores;

/// <summary>
/// Many machines: a running build's logs go to bstore in chunks (<see cref="LiveLogFiles.BstorePath"/>), with the
/// worker's credentials. A refusal of the chunk itself (another attempt writes the log, the log passed its bound)
/// comes back as <see cref="LiveLogRefusedException"/>; an unreachable bstore as <see cref="HttpRequestException"/>.
/// </summary>
public sealed class HttpLiveLogs(HttpClient bstore) : ILiveLogs
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    public async Task<long> AppendAsync(LiveLogChunk chunk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        var path = string.Create(CultureInfo.InvariantCulture,
            $"{LiveLogFiles.BstorePath.TrimStart('/')}/{chunk.BuildId}/{Uri.EscapeDataString(chunk.Arch)}/{Uri.EscapeDataString(chunk.File)}?offset={chunk.Offset}&attempt={Uri.EscapeDataString(chunk.Attempt)}{(chunk.Complete ? "&complete=true" : "")}");
        using var content = new ReadOnlyMemoryContent(chunk.Bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        using var response = await bstore.PostAsync(path, content, timeout.Token);
        if (response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.RequestEntityTooLarge)
        {
            throw new LiveLogRefusedException(response.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"bstore refused the live {chunk.File}: {await response.Content.ReadAsStringAsync(timeout.Token)}");
        }
        response.EnsureSuccessStatusCode();
        var appended = await response.Content.ReadFromJsonAsync(LiveLogJson.Default.LiveLogAppended, timeout.Token);
        return appended?.Length ?? throw new InvalidDataException("bstore answered a live log chunk without its length");
    }
}

/// <summary>bstore's answer to a chunk: the live copy's length now.</summary>
public sealed record LiveLogAppended([property: JsonPropertyName("length")] long Length);

[JsonSerializable(typeof(LiveLogAppended))]
public sealed partial class LiveLogJson : JsonSerializerContext;
