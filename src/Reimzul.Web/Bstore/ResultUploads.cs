using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Reimzul.Config;
using Reimzul.Files;
using Reimzul.Protocol;
using Reimzul.ResultStores;
using Reimzul.Web.Hosting;
using Reimzul.Worker;

namespace Reimzul.Web.Bstore;

/// <summary>
/// Result uploads, in three steps. <b>Begin</b>: the worker's manifest is checked and kept in
/// <c>.staging/uploads/ID/</c>, where ID derives from the manifest, so a retry of the same upload finds what it sent
/// before. <b>File</b>: each file is received to a temp name, its size and SHA-256 checked against the manifest, and
/// only then renamed to <c>files/NAME</c>. <b>Commit</b>: with every file present, the files dir is renamed into the
/// repo by <see cref="LocalResultStore"/> (readers see no result or a whole one). A result already in place exactly as
/// the manifest says is reported complete at once: retries never duplicate. A different result there is refused with 409
/// (<see cref="ResultManifests.LocationTaken"/>): a published result is never replaced. Unfinished uploads are removed
/// after a day.
/// </summary>
internal sealed class ResultUploads
{
    /// <summary>An upload untouched this long was abandoned (its worker gave the job back and built it anew).</summary>
    public static readonly TimeSpan Abandoned = TimeSpan.FromDays(1);

    private const string ManifestFile = "manifest.json";
    private const string FilesDir = "files";
    private const string PartsDir = "parts";

    // Serializes the steps that rename within one upload; bounded, unlike a lock per upload id.
    private readonly SemaphoreSlim[] _locks = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];
    private readonly ReimzulPaths _paths;
    private readonly string _baseUrl;
    private readonly LocalResultStore _publisher;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private DateTimeOffset _lastSweep = DateTimeOffset.MinValue;

    public ResultUploads(ReimzulPaths paths, string baseUrl, ILoggerFactory loggerFactory, TimeProvider time)
    {
        _paths = paths;
        _baseUrl = baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/";
        _publisher = new LocalResultStore(paths, loggerFactory.CreateLogger<LocalResultStore>());
        _logger = loggerFactory.CreateLogger("Reimzul.Web.Bstore");
        _time = time;
        Root = Path.Combine(paths.Staging, "uploads");
    }

    /// <summary>Where unfinished uploads live: under the staging dir, on the repo's filesystem.</summary>
    public string Root { get; }

    public async Task<UploadState> BeginAsync(ResultManifest manifest, string worker, CancellationToken cancellationToken)
    {
        if (!ResultManifests.TryValidate(manifest, out var error))
        {
            throw new RemoteServiceException(HttpStatusCode.BadRequest, error);
        }
        SweepAbandoned();
        var id = ResultManifests.UploadId(manifest);
        var location = ResultManifests.Location(manifest);
        if (await IsInPlaceAsync(manifest, cancellationToken))
        {
            _logger.LogInformation("{Worker}: result {Location} is already in place", worker, location);
            return new UploadState { UploadId = id, Complete = true, Location = location };
        }
        if (Directory.Exists(Path.Combine(_paths.Repo, location)))
        {
            // Results appear whole, so a dir there that is not this result is a different, published one.
            _logger.LogWarning("{Worker}: refused result {Location}: a different result is published there", worker, location);
            throw new RemoteServiceException(HttpStatusCode.Conflict, ResultManifests.LocationTaken(location));
        }

        var dir = UploadDir(id);
        var lockFor = LockFor(id);
        await lockFor.WaitAsync(cancellationToken);
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, FilesDir));
            Directory.CreateDirectory(Path.Combine(dir, PartsDir));
            var manifestPath = Path.Combine(dir, ManifestFile);
            if (!File.Exists(manifestPath))
            {
                var temporary = manifestPath + ".tmp";
                await File.WriteAllBytesAsync(temporary, JsonSerializer.SerializeToUtf8Bytes(manifest, RemoteJsonContext.Default.ResultManifest), cancellationToken);
                File.Move(temporary, manifestPath, overwrite: true);
            }
            // Touched so the sweep sees the upload is alive.
            Directory.SetLastWriteTimeUtc(dir, _time.GetUtcNow().UtcDateTime);
        }
        finally
        {
            lockFor.Release();
        }

        var missing = manifest.Files.Where(f => !IsStaged(id, f)).ToList();
        var needed = missing.Sum(f => f.Size);
        var free = new DriveInfo(Root).AvailableFreeSpace;
        if (needed > free)
        {
            throw new RemoteServiceException(HttpStatusCode.InsufficientStorage,
                $"bstore has {free / (1024 * 1024)} MiB free for uploads; {location} needs {needed / (1024 * 1024)} MiB more");
        }
        _logger.LogInformation("{Worker}: upload {Id} of {Location}: {Missing} of {Files} files to send", worker, id, location, missing.Count, manifest.Files.Count);
        return new UploadState { UploadId = id, Location = location, Missing = [.. missing.Select(f => f.Name)] };
    }

    public async Task ReceiveFileAsync(string id, string name, HttpRequest request, CancellationToken cancellationToken)
    {
        var manifest = await ReadManifestAsync(id, cancellationToken);
        if (manifest.Files.FirstOrDefault(f => f.Name == name) is not { } expected)
        {
            throw new RemoteServiceException(HttpStatusCode.BadRequest, $"'{name}' is not a file of upload {id}");
        }
        if (request.ContentLength is { } declared && declared != expected.Size)
        {
            throw new RemoteServiceException(HttpStatusCode.BadRequest, $"'{name}' is {declared} bytes; the manifest says {expected.Size}");
        }
        var part = Path.Combine(UploadDir(id), PartsDir, $"{name}.{Guid.NewGuid():N}");
        try
        {
            var received = await BodyReceiver.ReceiveAsync(request, part, expected.Size, cancellationToken);
            if (received.TooLong || received.Length != expected.Size || !string.Equals(received.Sha256, expected.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new RemoteServiceException(HttpStatusCode.UnprocessableEntity, received.TooLong
                    ? $"'{name}' arrived longer than the {expected.Size} bytes of the manifest; send it again"
                    : $"'{name}' arrived damaged: {received.Length} bytes with sha256 {received.Sha256}, the manifest says {expected.Size} bytes with sha256 {expected.Sha256}; send it again");
            }
            var lockFor = LockFor(id);
            await lockFor.WaitAsync(cancellationToken);
            try
            {
                var files = Path.Combine(UploadDir(id), FilesDir);
                if (!Directory.Exists(files))
                {
                    throw new RemoteServiceException(HttpStatusCode.NotFound, $"upload {id} ended while '{name}' arrived; begin it again");
                }
                File.Move(part, Path.Combine(files, name), overwrite: true);
            }
            finally
            {
                lockFor.Release();
            }
        }
        catch (DirectoryNotFoundException)
        {
            throw new RemoteServiceException(HttpStatusCode.NotFound, $"upload {id} ended while '{name}' arrived; begin it again");
        }
        finally
        {
            TryDelete(part);
        }
    }

    public async Task<CommitResult> CommitAsync(string id, string worker, CancellationToken cancellationToken)
    {
        var manifest = await ReadManifestAsync(id, cancellationToken);
        var location = ResultManifests.Location(manifest);
        var lockFor = LockFor(id);
        await lockFor.WaitAsync(cancellationToken);
        try
        {
            var missing = manifest.Files.Where(f => !IsStaged(id, f)).Select(f => f.Name).ToList();
            if (missing.Count > 0)
            {
                throw new RemoteServiceException(HttpStatusCode.Conflict, $"upload {id} lacks {missing.Count} file(s): {string.Join(", ", missing.Take(10))}; send them first");
            }
            var dir = UploadDir(id);
            var staged = new StoredResult(Path.Combine(dir, FilesDir), manifest.Target, manifest.PkgName, manifest.Timestamp, manifest.Evr, manifest.Arch, manifest.Replace == true);
            try
            {
                await _publisher.StoreAsync(staged, cancellationToken);
            }
            catch (ArgumentException ex)
            {
                throw new RemoteServiceException(HttpStatusCode.BadRequest, ex.Message);
            }
            catch (InvalidDataException ex) when (ResultManifests.IsLocationTaken(ex.Message))
            {
                // Published by another upload since this one began; the upload stays until the sweep.
                throw new RemoteServiceException(HttpStatusCode.Conflict, ex.Message);
            }
            catch (InvalidDataException ex) when (ResultManifests.IsAlreadyPublished(ex.Message))
            {
                // Another build of the target publishes one of its packages; only a resubmit with --replace may take its place.
                _logger.LogWarning("{Worker}: refused result {Location}: {Reason}", worker, location, ex.Message);
                throw new RemoteServiceException(HttpStatusCode.Conflict, ex.Message);
            }
            catch (InvalidDataException ex)
            {
                throw new RemoteServiceException(HttpStatusCode.BadRequest, $"{location}: {ex.Message}");
            }
            TryDeleteTree(dir);
        }
        finally
        {
            lockFor.Release();
        }
        _logger.LogInformation("{Worker}: stored result {Location} ({Files} files, {Bytes} bytes)", worker, location, manifest.Files.Count, manifest.Files.Sum(f => f.Size));
        return new CommitResult { Location = location, Url = _baseUrl + location };
    }

    /// <summary>Upload ids are ours (32 hex digits), which also keeps them from naming anything outside <see cref="Root"/>.</summary>
    public static bool IsUploadId(string? id) => id is { Length: 32 } && id.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    private string UploadDir(string id) => Path.Combine(Root, id);

    private SemaphoreSlim LockFor(string id) => _locks[(int)(Convert.ToUInt32(id[..8], 16) % (uint)_locks.Length)];

    private bool IsStaged(string id, ManifestFile file)
    {
        var path = Path.Combine(UploadDir(id), FilesDir, file.Name);
        // Files reach files/ only after their checksum matched, so the size tells the rest.
        return File.Exists(path) && new FileInfo(path).Length == file.Size;
    }

    private async Task<ResultManifest> ReadManifestAsync(string id, CancellationToken cancellationToken)
    {
        if (!IsUploadId(id))
        {
            throw new RemoteServiceException(HttpStatusCode.BadRequest, $"'{id}' is not an upload id");
        }
        try
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(UploadDir(id), ManifestFile), cancellationToken);
            return JsonSerializer.Deserialize(bytes, RemoteJsonContext.Default.ResultManifest)
                ?? throw new InvalidDataException("empty manifest");
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new RemoteServiceException(HttpStatusCode.NotFound, $"no upload {id} is in progress (finished or abandoned); begin it again");
        }
    }

    /// <summary>The result dir holds exactly the manifest's files, with its sizes and checksums.</summary>
    private async Task<bool> IsInPlaceAsync(ResultManifest manifest, CancellationToken cancellationToken)
    {
        var dir = Path.Combine(_paths.Repo, ResultManifests.Location(manifest));
        if (!Directory.Exists(dir) || Directory.EnumerateDirectories(dir).Any())
        {
            return false;
        }
        var present = Directory.EnumerateFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        if (!present.SequenceEqual(manifest.Files.Select(f => f.Name).Order(StringComparer.Ordinal)))
        {
            return false;
        }
        if (manifest.Files.Any(f => new FileInfo(Path.Combine(dir, f.Name)).Length != f.Size))
        {
            return false;
        }
        foreach (var file in manifest.Files)
        {
            if (!string.Equals(await FileDigest.Sha256HexAsync(Path.Combine(dir, file.Name), cancellationToken), file.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Removes uploads nobody touched for <see cref="Abandoned"/>; at most once an hour.</summary>
    public void SweepAbandoned()
    {
        var now = _time.GetUtcNow();
        if (now - _lastSweep < TimeSpan.FromHours(1) || !Directory.Exists(Root))
        {
            return;
        }
        _lastSweep = now;
        foreach (var dir in Directory.EnumerateDirectories(Root))
        {
            var touched = new[] { dir, Path.Combine(dir, FilesDir), Path.Combine(dir, PartsDir) }
                .Where(Directory.Exists).Max(Directory.GetLastWriteTimeUtc);
            if (now.UtcDateTime - touched > Abandoned)
            {
                _logger.LogInformation("removing abandoned upload {Dir} (untouched since {Touched:u})", dir, touched);
                TryDeleteTree(dir);
            }
        }
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A part left behind goes with its upload dir.
        }
    }

    private void TryDeleteTree(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("could not remove {Dir}: {Reason}", dir, ex.Message);
        }
    }
}
