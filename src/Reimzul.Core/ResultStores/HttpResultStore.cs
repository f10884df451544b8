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

    // Times one upload may arrive damaged (checksum mismatch) before it fails: a link that keeps damaging data is broken.
    private const int DamagedAttempts = 3;
    private static readonly TimeSpan SmallRequestTimeout = TimeSpan.FromMinutes(5);

    private readonly HttpClient _http;
    private readonly bool _ownsClient;
    private readonly RetryPolicy _retry;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <summary>
    /// A store uploading through <paramref name="http"/>, whose base address is bstore's URL; the caller keeps owning it.
    /// <paramref name="retry"/> paces the attempts while bstore is unreachable; each file that arrives counts as progress.
    /// </summary>
    public HttpResultStore(HttpClient http, RetryPolicy retry, ILogger logger, TimeProvider? time = null)
        : this(http, ownsClient: false, retry, logger, time)
    {
    }

    private HttpResultStore(HttpClient http, bool ownsClient, RetryPolicy retry, ILogger logger, TimeProvider? time)
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

    /// <summary>
    /// A store of <c>[bstore] url</c> with the configured TLS and token, giving up after <c>upload_retry_limit</c>
    /// without a file arriving.
    /// </summary>
    /// <exception cref="ConfigException">A configured certificate, key or token file cannot be used.</exception>
    public static HttpResultStore Create(ReimzulConfig config, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(config);
        var retry = RetryPolicy.Default with { GiveUpWithoutProgress = config.Bstore.UploadRetryLimit };
        return new HttpResultStore(RemoteHttp.ForBstore(config), ownsClient: true, retry, logger, null);
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
        var location = ResultManifests.Location(manifest);
        var schedule = _retry.Start(_time);
        var damaged = 0;
        var url = await schedule.RunAsync(
            async ct =>
            {
                try
                {
                    return await TryUploadAsync(manifest, result.ResultDir, schedule, ct);
                }
                catch (RemoteServiceException ex) when (ex.Status == HttpStatusCode.UnprocessableEntity && ++damaged >= DamagedAttempts)
                {
                    throw new IOException($"upload of {location} to {_http.BaseAddress} arrived damaged {damaged} times; last: {ex.Message}", ex);
                }
            },
            // Once the damaged limit is reached, the failure it raised is final.
            ex => damaged < DamagedAttempts && IsWorthRetrying(ex),
            (ex, decision) => _logger.LogWarning("upload of {Location} to {Bstore} failed ({Reason}); retry in {Delay:0.0} s",
                location, _http.BaseAddress, ex.Message, decision.Delay.TotalSeconds),
            (ex, decision) => new IOException($"upload of {location} to {_http.BaseAddress} did not arrive: {decision.GiveUpReason}; last error: {ex.Message}", ex),
            cancellationToken);
        _logger.LogInformation("stored result {Location} on bstore ({Url})", location, url);

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
    private async Task<string> TryUploadAsync(ResultManifest manifest, string resultDir, RetrySchedule schedule, CancellationToken cancellationToken)
    {
        UploadState state;
        using (var timeout = Timeout(SmallRequestTimeout, cancellationToken))
        using (var response = await _http.PostAsJsonAsync(RemoteProtocol.ResultsPath.TrimStart('/'), manifest, RemoteJsonContext.Default.ResultManifest, timeout.Token))
        {
            state = await RemoteResponses.ReadAsync(response, RemoteJsonContext.Default.UploadState, cancellationToken);
        }
        if (state.Complete)
        {
            return state.Location;
        }

        var sizes = manifest.Files.ToDictionary(f => f.Name, f => f.Size, StringComparer.Ordinal);
        foreach (var name in state.Missing)
        {
            if (!sizes.TryGetValue(name, out var size))
            {
                throw new RemoteServiceException($"bstore asked for '{name}', which is not in the manifest");
            }
            await SendFileAsync(state.UploadId, name, Path.Combine(resultDir, name), size, cancellationToken);
            schedule.Progressed();
        }

        using (var timeout = Timeout(SmallRequestTimeout, cancellationToken))
        using (var response = await _http.PostAsync(RemoteProtocol.CommitPath(state.UploadId).TrimStart('/'), content: null, timeout.Token))
        {
            var committed = await RemoteResponses.ReadAsync(response, RemoteJsonContext.Default.CommitResult, cancellationToken);
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
    private static bool IsWorthRetrying(Exception exception) => exception switch
    {
        // One of our request timeouts: the caller's stop is never retried.
        OperationCanceledException => true,
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
}
