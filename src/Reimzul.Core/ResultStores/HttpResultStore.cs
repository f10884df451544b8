using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Logging;
using Reimzul.Config;
using Reimzul.Protocol;
using Reimzul.Retry;
using Reimzul.Worker;

namespace Reimzul.ResultStores;

/// <summary>
/// The many-machines transport: the result dir is uploaded to bstore with a manifest of every file's size and SHA-256;
/// bstore checks each file and renames the whole result into place on commit. While bstore is unreachable the upload
/// is retried with back-off; a retry resumes (files bstore already holds are not sent again). It returns only when
/// bstore has the result in place, and throws otherwise: a worker never reports results that did not arrive.
/// </summary>
public sealed class HttpResultStore : IResultStore, IDisposable
{
    private const int BufferSize = 1 << 20;
    private static readonly TimeSpan SmallRequestTimeout = TimeSpan.FromMinutes(5);

    private readonly HttpClient _http;
    private readonly bool _ownsClient;
    private readonly UploadRetryPolicy _retry;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <summary>A store uploading through <paramref name="http"/>, whose base address is bstore's URL; the caller keeps owning it.</summary>
    public HttpResultStore(HttpClient http, UploadRetryPolicy retry, ILogger logger, TimeProvider? time = null)
        : this(http, ownsClient: false, retry, logger, time)
    {
    }

    private HttpResultStore(HttpClient http, bool ownsClient, UploadRetryPolicy retry, ILogger logger, TimeProvider? time)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(retry);
        ArgumentNullException.ThrowIfNull(logger);
        _http = http;
        _ownsClient = ownsClient;
        _retry = retry;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>A store of <c>[bstore] url</c> with the configured TLS, token and <c>upload_retry_limit</c>.</summary>
    /// <exception cref="ConfigException">A configured certificate, key or token file cannot be used.</exception>
    public static HttpResultStore Create(ReimzulConfig config, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new HttpResultStore(RemoteHttp.ForBstore(config), ownsClient: true, UploadRetryPolicy.For(config.Bstore.UploadRetryLimit), logger, null);
    }

    /// <exception cref="InvalidDataException">The result dir cannot be uploaded (a subdirectory, a bad name); retrying will not help.</exception>
    /// <exception cref="RemoteServiceException">Bstore refused the upload (authentication, a bad name).</exception>
    /// <exception cref="IOException">Bstore stayed unreachable, or the upload kept arriving damaged.</exception>
    public async Task StoreAsync(StoredResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentException.ThrowIfNullOrEmpty(result.ResultDir);
        if (!Directory.Exists(result.ResultDir))
        {
            throw new DirectoryNotFoundException($"result dir {result.ResultDir} does not exist");
        }
        var manifest = await ResultManifests.FromDirectoryAsync(result.ResultDir, result.Target, result.PkgName, result.Timestamp, result.Evr, result.Arch, cancellationToken);
        var upload = new Upload(manifest, result.ResultDir, _time.GetUtcNow());
        var backoff = new Backoff(_retry.InitialDelay, _retry.MaxDelay);
        while (true)
        {
            try
            {
                var url = await TryUploadAsync(upload, backoff, cancellationToken);
                _logger.LogInformation("stored result {Location} on bstore ({Url})", ResultManifests.Location(manifest), url);
                break;
            }
            catch (Exception ex) when (IsWorthRetrying(ex, cancellationToken))
            {
                if (ex is RemoteServiceException { Status: HttpStatusCode.UnprocessableEntity } && ++upload.Damaged >= _retry.DamagedAttempts)
                {
                    throw new IOException($"upload of {ResultManifests.Location(manifest)} to {_http.BaseAddress} arrived damaged {upload.Damaged} times; last: {ex.Message}", ex);
                }
                var stalled = _time.GetUtcNow() - upload.LastProgress;
                if (stalled >= _retry.GiveUpAfter)
                {
                    throw new IOException($"upload of {ResultManifests.Location(manifest)} to {_http.BaseAddress} did not arrive: no progress for {stalled.TotalSeconds:0} s; last error: {ex.Message}", ex);
                }
                var delay = backoff.Next();
                _logger.LogWarning("upload of {Location} to {Bstore} failed ({Reason}); retry in {Delay:0.0} s",
                    ResultManifests.Location(manifest), _http.BaseAddress, ex.Message, delay.TotalSeconds);
                await Task.Delay(delay, _time, cancellationToken);
            }
        }

        try
        {
            Directory.Delete(result.ResultDir, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The result is on bstore; a leftover local copy costs space, not correctness.
            _logger.LogWarning("stored {Dir} on bstore but could not remove it: {Reason}", result.ResultDir, ex.Message);
        }
    }

    /// <summary>One round: declare, send what bstore lacks, commit. Returns where the result is served.</summary>
    private async Task<string> TryUploadAsync(Upload upload, Backoff backoff, CancellationToken cancellationToken)
    {
        UploadState state;
        using (var timeout = Timeout(SmallRequestTimeout, cancellationToken))
        using (var response = await _http.PostAsJsonAsync(RemoteProtocol.ResultsPath.TrimStart('/'), upload.Manifest, RemoteJsonContext.Default.ResultManifest, timeout.Token))
        {
            state = await RemoteResponses.ReadAsync(response, RemoteJsonContext.Default.UploadState, cancellationToken);
        }
        if (state.Complete)
        {
            return state.Location;
        }

        var sizes = upload.Manifest.Files.ToDictionary(f => f.Name, f => f.Size, StringComparer.Ordinal);
        foreach (var name in state.Missing)
        {
            if (!sizes.TryGetValue(name, out var size))
            {
                throw new RemoteServiceException($"bstore asked for '{name}', which is not in the manifest");
            }
            await SendFileAsync(state.UploadId, name, Path.Combine(upload.ResultDir, name), size, cancellationToken);
            upload.Progressed(_time.GetUtcNow());
            backoff.Reset();
        }

        using (var timeout = Timeout(SmallRequestTimeout, cancellationToken))
        using (var response = await _http.PostAsync(RemoteProtocol.CommitPath(state.UploadId).TrimStart('/'), content: null, timeout.Token))
        {
            var committed = await RemoteResponses.ReadAsync(response, RemoteJsonContext.Default.CommitResult, cancellationToken);
            upload.Progressed(_time.GetUtcNow());
            return committed.Url;
        }
    }

    private async Task SendFileAsync(string uploadId, string name, string path, long size, CancellationToken cancellationToken)
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
            using var response = await _http.SendAsync(request, timeout.Token);
            await RemoteResponses.EnsureSuccessAsync(response, cancellationToken);
        }
    }

    // Unreachable or failing bstore, timeouts, damaged files, and uploads that vanished or changed under us (begin again).
    private static bool IsWorthRetrying(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        HttpRequestException => true,
        FileNotFoundException or DirectoryNotFoundException => false,
        IOException => true,
        RemoteServiceException { Status: { } status } => RemoteResponses.IsTransient(status)
            || status is HttpStatusCode.NotFound or HttpStatusCode.Conflict or HttpStatusCode.UnprocessableEntity,
        _ => false,
    };

    private static CancellationTokenSource Timeout(TimeSpan after, CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        source.CancelAfter(after);
        return source;
    }

    public void Dispose()
    {
        if (_ownsClient)
        {
            _http.Dispose();
        }
    }

    private sealed class Upload(ResultManifest manifest, string resultDir, DateTimeOffset started)
    {
        public ResultManifest Manifest { get; } = manifest;
        public string ResultDir { get; } = resultDir;
        public DateTimeOffset LastProgress { get; private set; } = started;
        public int Damaged { get; set; }

        public void Progressed(DateTimeOffset now) => LastProgress = now;
    }
}
