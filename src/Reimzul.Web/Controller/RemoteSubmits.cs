using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Reimzul.Config;
using Reimzul.Messages;
using Reimzul.Protocol;
using Reimzul.Queue;
using Reimzul.Rpm;
using Reimzul.Validation;

namespace Reimzul.Web.Controller;

/// <summary>
/// A remote submit, checked and queued exactly as <c>reimzul submit</c> does locally (same checks, same messages,
/// same job JSON and priorities), with the authenticated writer as submitter.
/// </summary>
internal sealed class RemoteSubmits(ReimzulConfig config, IJobQueueFactory queues, ILogger logger)
{
    public async Task<SubmitResult> SubmitAsync(SubmitRequest request, string submitter, CancellationToken cancellationToken)
    {
        Check(Arches.TryValidate(request.Arch, out var error), error);
        Check(InputRules.TryValidateTarget(request.Target, out error), error);
        Check(InputRules.TryValidateDisttag(request.Disttag, out error), error);
        Check(InputRules.TryValidateSrpmFileName(request.Srpm, out error), error);
        var incoming = config.Paths.Incoming;
        var path = Path.Combine(incoming, request.Srpm);
        Check(File.Exists(path), $"SRPM '{request.Srpm}' is not in the incoming dir {incoming} (give a path, e.g. ./{request.Srpm}, to upload a local file)");
        try
        {
            RpmHeaderReader.ReadSource(path);
        }
        catch (Exception ex) when (ex is RpmFormatException or IOException)
        {
            throw new RemoteServiceException(HttpStatusCode.BadRequest, $"'{request.Srpm}' is not a usable source RPM: {ex.Message}");
        }

        var job = BuildJob.Submitted(request.Srpm, request.Arch, request.Target, request.Disttag, request.Scratch, submitter);
        var tube = Arches.BuildTubeByArch[job.Arch];
        var priority = Tubes.BuildPriority(request.Now);
        long id;
        try
        {
            await using var queue = await queues.OpenProducerAsync(cancellationToken);
            id = await queue.PutAsync(tube, MessageJson.Serialize(job), priority, TimeSpan.Zero, config.Builder.JobTtr, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "could not queue {Srpm} for {Target} by {Submitter}: {Message}", job.Srpm, job.Target, submitter, ex.Message);
            throw new RemoteServiceException(HttpStatusCode.ServiceUnavailable, $"the build queue is unavailable: {ex.Message}");
        }
        logger.LogInformation("Submitted SRPM {Srpm} to build queue {Tube} for target {Target} (scratch: {Scratch}) by {Submitter}: job id {Id}, build id {BuildId}, priority {Priority}",
            job.Srpm, tube, job.Target, job.Scratch, submitter, id, job.BuildId, priority);
        return new SubmitResult
        {
            JobId = id,
            BuildId = job.BuildId ?? "",
            Tube = tube,
            Priority = priority,
            Srpm = job.Srpm,
            Target = job.Target,
            Scratch = job.Scratch,
            Submitter = submitter,
        };
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new RemoteServiceException(HttpStatusCode.BadRequest, message);
        }
    }
}
