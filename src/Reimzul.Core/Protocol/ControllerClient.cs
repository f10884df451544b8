using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Reimzul.Config;
using Reimzul.Files;
using Reimzul.Rpm;
using Reimzul.Validation;

namespace Reimzul.Protocol;

/// <summary>
/// The controller's client: workers download SRPMs to build, <c>reimzul submit</c> on another machine uploads an SRPM
/// and queues its build. Refusals arrive as <see cref="RemoteServiceException"/> carrying the controller's reason;
/// an unreachable controller as <see cref="HttpRequestException"/>.
/// </summary>
public sealed class ControllerClient : ServiceClient
{
    private const int BufferSize = 1 << 20;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(2);

    /// <summary>A client on <paramref name="http"/>, whose base address is the controller's URL; the caller keeps owning it.</summary>
    public ControllerClient(HttpClient http)
        : this(http, ownsClient: false)
    {
    }

    private ControllerClient(HttpClient http, bool ownsClient)
        : base(http, ownsClient)
    {
    }

    /// <summary>A client of <c>[controller] url</c> with the configured TLS and token.</summary>
    /// <exception cref="ConfigException">A configured certificate, key or token file cannot be used.</exception>
    public static ControllerClient Create(ReimzulConfig config) => new(RemoteHttp.ForController(config), ownsClient: true);

    /// <summary>
    /// Downloads SRPM <paramref name="srpm"/> to <paramref name="destinationPath"/> and checks it against the SHA-256 the
    /// controller sends. The file appears whole or not at all. Returns the SHA-256 (hex).
    /// </summary>
    /// <exception cref="FileNotFoundException">The controller does not have that SRPM.</exception>
    /// <exception cref="InvalidDataException">What arrived does not match the controller's checksum.</exception>
    public async Task<string> DownloadSrpmAsync(string srpm, string destinationPath, CancellationToken cancellationToken)
    {
        if (!InputRules.TryValidateSrpmFileName(srpm, out var error))
        {
            throw new ArgumentException(error, nameof(srpm));
        }
        ArgumentException.ThrowIfNullOrEmpty(destinationPath);
        using var response = await Http.GetAsync(RemoteProtocol.IncomingPath(srpm).TrimStart('/'), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new FileNotFoundException($"SRPM {srpm} is not in the controller's incoming dir ({Http.BaseAddress})", srpm);
        }
        await RemoteResponses.EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        var expected = response.Headers.TryGetValues(RemoteProtocol.Sha256Header, out var values) ? values.FirstOrDefault() : null;
        if (!FileDigest.IsSha256Hex(expected))
        {
            throw new RemoteServiceException(response.StatusCode, $"the controller sent {srpm} without a valid {RemoteProtocol.Sha256Header} header");
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(destinationPath))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(destinationPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            string actual;
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                var output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
                await using (output.ConfigureAwait(false))
                {
                    actual = await CopyHashingAsync(body, output, cancellationToken).ConfigureAwait(false);
                    output.Flush(flushToDisk: true);
                }
            }
            if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidDataException($"SRPM {srpm} arrived damaged from {Http.BaseAddress}: sha256 {actual}, the controller says {expected.ToLowerInvariant()}");
            }
            File.Move(temporary, destinationPath, overwrite: true);
            return actual;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Uploads the local SRPM at <paramref name="path"/> to the controller's incoming dir (under its own file name).</summary>
    /// <exception cref="ArgumentException">The file name is not a valid SRPM name.</exception>
    /// <exception cref="InvalidDataException">The file is not a usable source RPM.</exception>
    /// <exception cref="RemoteServiceException">The controller refused it, e.g. it holds a different SRPM of that name.</exception>
    public async Task<SrpmUploadResult> UploadSrpmAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var name = Path.GetFileName(path);
        if (!InputRules.TryValidateSrpmFileName(name, out var error))
        {
            throw new ArgumentException(error, nameof(path));
        }
        try
        {
            RpmHeaderReader.ReadSource(path);
        }
        catch (RpmFormatException ex)
        {
            throw new InvalidDataException($"'{path}' is not a usable source RPM: {ex.Message}", ex);
        }

        var sha256 = await FileDigest.Sha256HexAsync(path, cancellationToken).ConfigureAwait(false);
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (file.ConfigureAwait(false))
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, RemoteProtocol.IncomingPath(name).TrimStart('/')) { Content = new StreamContent(file, BufferSize) };
            request.Content.Headers.ContentLength = file.Length;
            request.Headers.Add(RemoteProtocol.Sha256Header, sha256);
            using var response = await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            return await RemoteResponses.ReadAsync(response, RemoteJsonContext.Default.SrpmUploadResult, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Queues a build of an SRPM already in the controller's incoming dir; the controller names the submitter.</summary>
    /// <exception cref="RemoteServiceException">The controller refused the request (the message says why).</exception>
    public async Task<SubmitResult> SubmitAsync(SubmitRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var timeout = Timeout(RequestTimeout, cancellationToken);
        using var response = await Http.PostAsJsonAsync(RemoteProtocol.SubmitPath.TrimStart('/'), request, RemoteJsonContext.Default.SubmitRequest, timeout.Token).ConfigureAwait(false);
        return await RemoteResponses.ReadAsync(response, RemoteJsonContext.Default.SubmitResult, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Queues the builds of many SRPMs already in the controller's incoming dir, all or none.</summary>
    /// <exception cref="RemoteServiceException">The controller refused the request (the message names each bad SRPM).</exception>
    public async Task<BulkSubmitResult> SubmitBulkAsync(BulkSubmitRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var timeout = Timeout(RequestTimeout, cancellationToken);
        using var response = await Http.PostAsJsonAsync(RemoteProtocol.BulkSubmitPath.TrimStart('/'), request, RemoteJsonContext.Default.BulkSubmitRequest, timeout.Token).ConfigureAwait(false);
        return await RemoteResponses.ReadAsync(response, RemoteJsonContext.Default.BulkSubmitResult, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<string> CopyHashingAsync(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[BufferSize];
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
