using System.Globalization;
using Microsoft.Extensions.Logging;
using Reimzul.Messages;
using Reimzul.Queue;
using Reimzul.Submit;
using Reimzul.Worker;

namespace Reimzul.Cancels;

/// <summary>
/// The cancel of a build no worker has taken yet: the job its submit queued (found in the submit records of this host)
/// is deleted from its tube, and the build is announced Canceled at once (history, mail, MQTT) instead of when a worker
/// reaches it in the queue and drops it. A job a worker already holds is left to it: the cancel request stops it.
/// </summary>
public sealed class QueuedBuildRemoval(BuildSubmitter submits, IJobQueueFactory queues, CancelRecords cancels, TimeProvider time, ILogger logger)
{
    /// <summary>
    /// Removes the queued job of <paramref name="request"/>'s build; returns its arch, or null when no job of it was
    /// waiting here (not submitted on this host, taken by a worker, or a chained arch a worker queued).
    /// </summary>
    /// <exception cref="Exception">The queue cannot be reached (nothing was removed), or the job could not be put back.</exception>
    public async Task<string?> RemoveAsync(CancelRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (submits.QueuedJobOf(request.BuildId) is not { } queued)
        {
            return null;
        }
        string? body;
        BuildJob? job = null;
        await using (var admin = await queues.OpenAdminAsync(ct))
        {
            // The body read once: the check that it is this build's job keeps it for the announcement.
            body = await admin.DeleteWaitingAsync(queued.Tube, queued.JobId,
                b => MessageChecks.TryReadBuildJob(queued.Tube, b, out var candidate, out _) && (job = candidate).BuildId == request.BuildId, ct);
        }
        if (body is null || job is null)
        {
            return null;
        }
        var package = IncomingSrpms.PackageOf(submits.Incoming, job.Srpm);
        var canceled = BuildEvent.From(job) with
        {
            Status = BuildStatus.Canceled,
            Reason = request.Reason,
            PkgName = package.Name,
            Evr = package.Evr,
            Timestamp = time.GetLocalNow().ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture),
            DurationSeconds = 0,
            // No builder took it; the log line names what decided, as the chain role's "chain" does.
            BuilderFqdn = "queue",
        };
        try
        {
            await using var publisher = new EventPublisher(queues);
            await publisher.PublishAsync(canceled, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Put back, so the build is not lost unannounced: the worker that takes it finds the request, drops it and announces it.
            logger.LogWarning("build {BuildId}: removed job {JobId} from {Tube} but cannot announce it Canceled ({Message}); putting it back for a worker to drop",
                request.BuildId, queued.JobId, queued.Tube, ex.Message);
            await using var producer = await queues.OpenProducerAsync(CancellationToken.None);
            await producer.PutAsync(queued.Tube, body, queued.Priority, TimeSpan.Zero, submits.JobTtr, CancellationToken.None);
            return null;
        }
        cancels.Write(request with { Announced = [job.Arch] });
        logger.LogInformation("build {BuildId}: queued job {JobId} removed from {Tube} and announced Canceled ({Reason})", request.BuildId, queued.JobId, queued.Tube, request.Reason);
        return job.Arch;
    }
}
