using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Reimzul.Files;
using Reimzul.Protocol;
using Reimzul.Rpm;
using Reimzul.Submit;
using Reimzul.Validation;
using Reimzul.Web.Hosting;

namespace Reimzul.Web.Controller;

/// <summary>
/// Places an uploaded SRPM in the incoming dir: streamed to a hidden temp file there, checked against the SHA-256 the
/// client sent and read as a source RPM, then renamed into place, so a worker never sees half an SRPM. An SRPM of the
/// same name is never replaced: the same content is a success, another content a conflict.
/// </summary>
internal sealed class IncomingUploads(string incoming, long maxBytes, IncomingChecksums checksums, ILogger logger)
{
    public async Task<SrpmUploadResult> UploadAsync(string name, HttpRequest request, string submitter, CancellationToken cancellationToken)
    {
        if (!InputRules.TryValidateSrpmFileName(name, out var error))
        {
            throw new RemoteServiceException(HttpStatusCode.BadRequest, error);
        }
        var expected = request.Headers[RemoteProtocol.Sha256Header].ToString();
        if (!FileDigest.IsSha256Hex(expected))
        {
            throw new RemoteServiceException(HttpStatusCode.BadRequest, $"send the SRPM's SHA-256 (64 hex digits) in the {RemoteProtocol.Sha256Header} header");
        }
        expected = expected.ToLowerInvariant();
        if (request.ContentLength > maxBytes)
        {
            throw TooLarge(name, request.ContentLength.Value);
        }

        Directory.CreateDirectory(incoming);
        var final = Path.Combine(incoming, name);
        var temporary = Path.Combine(incoming, $".{name}.{Guid.NewGuid():N}.tmp");
        try
        {
            var received = await BodyReceiver.ReceiveAsync(request, temporary, maxBytes, cancellationToken);
            if (received.TooLong)
            {
                throw TooLarge(name, received.Length);
            }
            if (received.Sha256 != expected)
            {
                throw new RemoteServiceException(HttpStatusCode.UnprocessableEntity,
                    $"the upload of '{name}' arrived damaged: {received.Length} bytes with sha256 {received.Sha256}, expected {expected}; send it again");
            }
            CheckSource(temporary, name);

            if (!IncomingSrpms.TryPlace(temporary, final))
            {
                return await SameOrConflictAsync(final, name, expected, cancellationToken);
            }
            checksums.Remember(final, expected);
            logger.LogInformation("{Submitter} uploaded {Srpm} ({Bytes} bytes, sha256 {Sha256})", submitter, name, received.Length, expected);
            return new SrpmUploadResult { Srpm = name, Sha256 = expected, Created = true };
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private RemoteServiceException TooLarge(string name, long length) =>
        new(HttpStatusCode.RequestEntityTooLarge, $"'{name}' is larger than {maxBytes / (1024 * 1024)} MiB ([controller] max_srpm_mb); got {length} bytes or more");

    private async Task<SrpmUploadResult> SameOrConflictAsync(string final, string name, string sha256, CancellationToken cancellationToken)
    {
        if (await checksums.GetAsync(final, cancellationToken) == sha256)
        {
            return new SrpmUploadResult { Srpm = name, Sha256 = sha256, Created = false };
        }
        // The remedy names no server path: the layout of the controller is its operator's, not the submitter's.
        throw new RemoteServiceException(HttpStatusCode.Conflict, $"the controller's incoming dir already holds a different SRPM named '{name}'; rebuild it with a new release");
    }

    // The local submit's check (RpmHeaderReader.ReadSource), read from the stream so the message names the SRPM, not the temp file.
    private static void CheckSource(string path, string name)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
            var info = RpmHeaderReader.Read(stream);
            if (!info.IsSource)
            {
                throw new RpmFormatException($"{name} is a binary RPM (arch {info.Arch}), not a source RPM");
            }
        }
        catch (RpmFormatException ex)
        {
            throw new RemoteServiceException(HttpStatusCode.BadRequest, $"'{name}' is not a usable source RPM: {ex.Message}");
        }
    }
}
