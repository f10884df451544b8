using System.Net;
using Reimzul.Protocol;
using Reimzul.ResultStores;
using Reimzul.Validation;
using Reimzul.Worker;

namespace Reimzul.Web.Bstore;

/// <summary>
/// Build timestamps for the workers of every host, reserved in bstore's repo by <see cref="LocalResultStore"/>: one
/// place decides, so two builds of a package in a target never share a timestamp, and a redelivered job gets its own back.
/// </summary>
internal sealed class TimestampReservations(LocalResultStore store)
{
    // A build id is ours (32 hex digits) or a client's; bounded, as everything a request names.
    private const int MaxBuildIdLength = 200;

    public async Task<TimestampResult> ReserveAsync(TimestampRequest request, CancellationToken cancellationToken)
    {
        if (!InputRules.TryValidateTarget(request.Target, out var error)
            || !InputRules.TryValidatePathComponent("pkgname", request.PkgName, out error)
            || !InputRules.TryValidatePathComponent("timestamp", request.Proposed, out error))
        {
            throw new RemoteServiceException(HttpStatusCode.BadRequest, error);
        }
        if (string.IsNullOrEmpty(request.BuildId) || request.BuildId.Length > MaxBuildIdLength)
        {
            throw new RemoteServiceException(HttpStatusCode.BadRequest, $"build_id must be 1 to {MaxBuildIdLength} characters");
        }
        try
        {
            var timestamp = await store.ReserveTimestampAsync(new TimestampReservation(request.Target, request.PkgName, request.BuildId, request.Proposed), cancellationToken);
            return new TimestampResult { Timestamp = timestamp };
        }
        catch (ArgumentException ex)
        {
            throw new RemoteServiceException(HttpStatusCode.BadRequest, ex.Message);
        }
    }
}
