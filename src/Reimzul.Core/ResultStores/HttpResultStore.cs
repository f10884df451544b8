using System.Net;
using Microsoft.Extensions.Logging;
using Reimzul.Config;
using Reimzul.Protocol;
using Reimzul.Retry;
using Reimzul.Telemetry;
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
    // Times one upload may arrive damaged (checksum mismatch) before it fails: a link that keeps damaging data is broken.
    private const int DamagedAttempts = 3;

    private readonly BstoreClient _bstore;
    private readonly bool _ownsClient;
    private readonly RetryPolicy _retry;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <summary>
    /// A store uploading through <paramref name="bstore"/>; the caller keeps owning it. <paramref name="retry"/> paces
    /// the attempts while bstore is unreachable; each file that arrives counts as progress.
    /// </summary>
    public HttpResultStore(BstoreClient bstore, RetryPolicy retry, ILogger logger, TimeProvider? time = null)
        : this(bstore, ownsClient: false, retry, logger, time)
    {
    }

    private HttpResultStore(BstoreClient bstore, bool ownsClient, RetryPolicy retry, ILogger logger, TimeProvider? time)
    {
        ArgumentNullException.ThrowIfNull(bstore);
        ArgumentNullException.ThrowIfNull(retry);
        ArgumentNullException.ThrowIfNull(logger);
        _bstore = bstore;
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
        return new HttpResultStore(BstoreClient.Create(config), ownsClient: true, retry, logger, null);
    }

    /// <exception cref="InvalidDataException">The result dir cannot be uploaded (a subdirectory, a bad name), or bstore
    /// holds a different result at its place (409, <see cref="ResultManifests.TakenByADifferentResult"/>; the
    /// <see cref="RemoteServiceException"/> is the inner exception); retrying will not help.</exception>
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
        var manifest = await ResultManifests.FromDirectoryAsync(result.ResultDir, result.Target, result.PkgName, result.Timestamp, result.Evr, result.Arch, cancellationToken)
            with { Replace = result.Replace ? true : null };
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
                catch (RemoteServiceException ex) when (ex.Status == HttpStatusCode.Conflict && ResultManifests.IsLocationTaken(ex.Message))
                {
                    // Bstore never replaces a published result: no retry can store this one.
                    throw new InvalidDataException($"bstore {_bstore.BaseAddress} refused {location}: {ex.Message}", ex);
                }
                catch (RemoteServiceException ex) when (ex.Status == HttpStatusCode.Conflict && ResultManifests.IsAlreadyPublished(ex.Message))
                {
                    // The target publishes one of these packages from another build: refused until resubmitted with --replace.
                    throw new InvalidDataException(BstoreReason(ex.Message), ex);
                }
                catch (RemoteServiceException ex) when (ex.Status == HttpStatusCode.UnprocessableEntity && ++damaged >= DamagedAttempts)
                {
                    throw new IOException($"upload of {location} to {_bstore.BaseAddress} arrived damaged {damaged} times; last: {ex.Message}", ex);
                }
            },
            // Once the damaged limit is reached, the failure it raised is final.
            ex => damaged < DamagedAttempts && IsWorthRetrying(ex),
            (ex, decision) =>
            {
                ReimzulMetrics.UploadRetried();
                _logger.LogWarning("upload of {Location} to {Bstore} failed ({Reason}); retry in {Delay:0.0} s",
                    location, _bstore.BaseAddress, ex.Message, decision.Delay.TotalSeconds);
            },
            (ex, decision) => new IOException($"upload of {location} to {_bstore.BaseAddress} did not arrive: {decision.GiveUpReason}; last error: {ex.Message}", ex),
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

    /// <exception cref="RemoteServiceException">Bstore refused the request (authentication, a bad name).</exception>
    /// <exception cref="IOException">Bstore stayed unreachable.</exception>
    public Task<string> ReserveTimestampAsync(TimestampReservation reservation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        var request = new TimestampRequest { Target = reservation.Target, PkgName = reservation.PkgName, BuildId = reservation.BuildId, Proposed = reservation.ProposedTimestamp };
        return WithRetriesAsync($"the timestamp of {reservation.PkgName} in {reservation.Target}", ct => _bstore.ReserveTimestampAsync(request, ct), cancellationToken);
    }

    /// <exception cref="IOException">Bstore stayed unreachable.</exception>
    public async Task<StoredOutcome?> FindStoredAsync(ResultPlace place, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(place);
        var location = $"{place.Target}/{place.PkgName}/{place.Timestamp}/{place.Evr}.{place.Arch}/";
        var text = await WithRetriesAsync($"what bstore holds at {location}", ct => _bstore.ReadPublishedFileAsync(location, StoredOutcome.FileName, ct), cancellationToken);
        return text is not null && StoredOutcome.TryParse(text, out var outcome) ? outcome : null;
    }

    private async Task<T> WithRetriesAsync<T>(string what, Func<CancellationToken, Task<T>> request, CancellationToken cancellationToken)
    {
        var schedule = _retry.Start(_time);
        return await schedule.RunAsync(
            request,
            ex => ex is not RemoteServiceException { Status: HttpStatusCode.NotFound or HttpStatusCode.Conflict or HttpStatusCode.UnprocessableEntity } && IsWorthRetrying(ex),
            (ex, decision) => _logger.LogWarning("asking {Bstore} for {What} failed ({Reason}); retry in {Delay:0.0} s", _bstore.BaseAddress, what, ex.Message, decision.Delay.TotalSeconds),
            (ex, decision) => new IOException($"could not ask {_bstore.BaseAddress} for {what}: {decision.GiveUpReason}; last error: {ex.Message}", ex),
            cancellationToken);
    }

    // Bstore's own words, without the "POST URL refused (409):" the client puts before them.
    private static string BstoreReason(string message)
    {
        var colon = message.IndexOf("): ", StringComparison.Ordinal);
        return colon < 0 ? message : message[(colon + 3)..];
    }

    /// <summary>One round: declare, send what bstore lacks, commit. Returns where the result is served.</summary>
    private async Task<string> TryUploadAsync(ResultManifest manifest, string resultDir, RetrySchedule schedule, CancellationToken cancellationToken)
    {
        var state = await _bstore.DeclareAsync(manifest, cancellationToken);
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
            await _bstore.SendFileAsync(state.UploadId, name, Path.Combine(resultDir, name), size, cancellationToken);
            ReimzulMetrics.Uploaded(size);
            schedule.Progressed();
        }
        return (await _bstore.CommitAsync(state.UploadId, cancellationToken)).Url;
    }

    // Unreachable or failing bstore, timeouts, damaged files, and uploads that vanished or changed under us (begin again).
    private static bool IsWorthRetrying(Exception exception) => exception switch
    {
        // One of our request timeouts: the caller's stop is never retried.
        OperationCanceledException => true,
        HttpRequestException => true,
        FileNotFoundException or DirectoryNotFoundException or InvalidDataException => false,
        IOException => true,
        RemoteServiceException { Status: { } status } => RemoteResponses.IsTransient(status)
            || status is HttpStatusCode.NotFound or HttpStatusCode.Conflict or HttpStatusCode.UnprocessableEntity,
        _ => false,
    };

    public void Dispose()
    {
        if (_ownsClient)
        {
            _bstore.Dispose();
        }
    }
}
