using System.Net.Http.Json;
using Reimzul.Config;

namespace Reimzul.Protocol;

/// <summary>
/// bstore's client: the three calls of a result upload — declare the manifest, send each file bstore lacks, commit —
/// and the two a worker makes before it builds: reserve the build's timestamp, read what of the build is stored.
/// Refusals arrive as <see cref="RemoteServiceException"/> carrying bstore's reason; an unreachable bstore as
/// <see cref="HttpRequestException"/>; a request that took too long as <see cref="OperationCanceledException"/>.
/// Retrying is the caller's business.
/// </summary>
public sealed class BstoreClient : ServiceClient
{
    private const int BufferSize = 1 << 20;
    private static readonly TimeSpan SmallRequestTimeout = TimeSpan.FromMinutes(5);

    /// <summary>A client on <paramref name="http"/>, whose base address is bstore's URL; the caller keeps owning it.</summary>
    public BstoreClient(HttpClient http)
        : this(http, ownsClient: false)
    {
    }

    /// <summary>
    /// As <see cref="BstoreClient(HttpClient)"/>, declaring results as built by <paramref name="builder"/> (the name the
    /// worker's events carry) when their manifest names none; bstore checks it against the authenticated uploader.
    /// </summary>
    public BstoreClient(HttpClient http, string? builder)
        : this(http, ownsClient: false, builder)
    {
    }

    private BstoreClient(HttpClient http, bool ownsClient, string? builder = null)
        : base(http, ownsClient)
    {
        Builder = builder;
    }

    /// <summary>The builder named in the manifests this client declares, or null.</summary>
    public string? Builder { get; }

    /// <summary>A client of <c>[bstore] url</c> with the configured TLS and token, declaring results as <c>[builder] fqdn</c>'s.</summary>
    /// <exception cref="ConfigException">A configured certificate, key or token file cannot be used.</exception>
    public static BstoreClient Create(ReimzulConfig config) => new(RemoteHttp.ForBstore(config), ownsClient: true, config.Builder.Fqdn);

    /// <summary>Reserves a build's timestamp: the proposed one or the next free second, the same again for the same build id.</summary>
    public async Task<string> ReserveTimestampAsync(TimestampRequest request, CancellationToken cancellationToken)
    {
        using var timeout = Timeout(SmallRequestTimeout, cancellationToken);
        using var response = await Http.PostAsJsonAsync(RemoteProtocol.TimestampsPath.TrimStart('/'), request, RemoteJsonContext.Default.TimestampRequest, timeout.Token);
        return (await RemoteResponses.ReadAsync(response, RemoteJsonContext.Default.TimestampResult, cancellationToken)).Timestamp;
    }

    /// <summary>The text of <paramref name="file"/> in the published result at <paramref name="location"/> (<c>TARGET/PKGNAME/TIMESTAMP/EVR.ARCH/</c>); null when bstore has no such file.</summary>
    public async Task<string?> ReadPublishedFileAsync(string location, string file, CancellationToken cancellationToken)
    {
        using var timeout = Timeout(SmallRequestTimeout, cancellationToken);
        var path = RemoteProtocol.RepoPrefix.TrimStart('/') + "/" + string.Join('/', location.TrimEnd('/').Split('/').Select(Uri.EscapeDataString)) + "/" + Uri.EscapeDataString(file);
        using var response = await Http.GetAsync(path, timeout.Token);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
        await RemoteResponses.EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadAsStringAsync(timeout.Token);
    }

    /// <summary>Declares a result; bstore answers what it still lacks, or that the result is in place already.</summary>
    /// <exception cref="RemoteServiceException">Refused, e.g. 403 when <see cref="Builder"/> is not who this client authenticates as.</exception>
    public async Task<UploadState> DeclareAsync(ResultManifest manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.Builder is null && Builder is not null)
        {
            manifest = manifest with { Builder = Builder };
        }
        using var timeout = Timeout(SmallRequestTimeout, cancellationToken);
        using var response = await Http.PostAsJsonAsync(RemoteProtocol.ResultsPath.TrimStart('/'), manifest, RemoteJsonContext.Default.ResultManifest, timeout.Token);
        return await RemoteResponses.ReadAsync(response, RemoteJsonContext.Default.UploadState, cancellationToken);
    }

    /// <summary>Sends one file of a declared upload; <paramref name="size"/> is the manifest's.</summary>
    /// <exception cref="InvalidDataException">The file's size is no longer the manifest's.</exception>
    public async Task SendFileAsync(string uploadId, string name, string path, long size, CancellationToken cancellationToken)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (file)
        {
            if (file.Length != size)
            {
                throw new InvalidDataException($"{path} changed while it was being uploaded ({size} bytes in the manifest, {file.Length} now)");
            }
            // Generous for a slow link, yet a stalled connection does not hold the worker for ever.
            using var timeout = Timeout(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(size / (1024.0 * 1024)), cancellationToken);
            using var request = new HttpRequestMessage(HttpMethod.Put, RemoteProtocol.ResultFilePath(uploadId, name).TrimStart('/'))
            {
                Content = new StreamContent(file, BufferSize),
            };
            request.Content.Headers.ContentLength = size;
            using var response = await Http.SendAsync(request, timeout.Token);
            await RemoteResponses.EnsureSuccessAsync(response, cancellationToken);
        }
    }

    /// <summary>Moves a complete upload into the repo; answers where it is served.</summary>
    public async Task<CommitResult> CommitAsync(string uploadId, CancellationToken cancellationToken)
    {
        using var timeout = Timeout(SmallRequestTimeout, cancellationToken);
        using var response = await Http.PostAsync(RemoteProtocol.CommitPath(uploadId).TrimStart('/'), content: null, timeout.Token);
        return await RemoteResponses.ReadAsync(response, RemoteJsonContext.Default.CommitResult, cancellationToken);
    }
}
