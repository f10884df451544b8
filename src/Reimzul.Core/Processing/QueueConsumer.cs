using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Reimzul.Queue;
using Reimzul.Retry;

namespace Reimzul.Processing;

/// <summary>
/// The reserve → handle → delete/release/bury loop shared by every role. Delivery is at-least-once: a job is
/// deleted only after its handler has finished its work, so a crash anywhere before that hands the job to
/// someone else (its TTR runs out, or the session closes with the process). A handler that throws has its job
/// released with a delay that grows with the job's delivery count, which the queue keeps: the back-off survives
/// a restart and is the same whichever worker takes the job next.
/// </summary>
public abstract class QueueConsumer(IJobQueueFactory queues, ILogger logger, TimeProvider time) : BackgroundService
{
    /// <summary>The delay before a failed job is tried again, by delivery count; and how a lost session reconnects.</summary>
    protected static readonly RetryPolicy Retries = RetryPolicy.Default;

    /// <summary>Tubes this consumer watches.</summary>
    protected abstract IReadOnlyCollection<string> WatchedTubes { get; }

    /// <summary>How long one reserve waits before <see cref="OnIdleAsync"/> gets a turn.</summary>
    protected virtual TimeSpan ReserveTimeout => TimeSpan.FromSeconds(10);

    protected ILogger Logger => logger;

    protected IJobQueueFactory Queues => queues;

    protected TimeProvider Time => time;

    /// <summary>Does the job's work. Throwing releases the job with a growing delay (a transient fault).</summary>
    protected abstract Task<JobDisposition> HandleAsync(IReservedJob job, CancellationToken stoppingToken);

    /// <summary>
    /// How many ready jobs one turn takes. Above 1, <see cref="HandleBatchAsync"/> gets them together and the deleted
    /// ones are deleted in one step: a consumer whose work commits to disk per job (the notifier) commits once per batch.
    /// While the tubes are quiet a batch is one job, so nothing waits for a batch to fill.
    /// </summary>
    protected virtual int BatchSize => 1;

    /// <summary>
    /// Does the work of several jobs: one disposition per job, in their order. Throwing releases them all with a growing
    /// delay. By default each job is handled alone by <see cref="HandleAsync"/>.
    /// </summary>
    protected virtual async Task<IReadOnlyList<JobDisposition>> HandleBatchAsync(IReadOnlyList<IReservedJob> jobs, CancellationToken stoppingToken)
    {
        var dispositions = new JobDisposition[jobs.Count];
        for (var i = 0; i < jobs.Count; i++)
        {
            try
            {
                dispositions[i] = await HandleAsync(jobs[i], stoppingToken);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && stoppingToken.IsCancellationRequested))
            {
                dispositions[i] = Failed(jobs[i], ex);
            }
        }
        return dispositions;
    }

    /// <summary>Runs when a reserve timed out with nothing to do.</summary>
    protected virtual Task OnIdleAsync(CancellationToken stoppingToken) => Task.CompletedTask;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reconnect = Retries.Start(time);
        while (!stoppingToken.IsCancellationRequested)
        {
            IJobConsumer? session = null;
            try
            {
                session = await queues.OpenConsumerAsync(stoppingToken);
                logger.LogInformation("waiting for jobs on {Tubes}", string.Join(", ", WatchedTubes));
                reconnect.Progressed();
                while (!stoppingToken.IsCancellationRequested)
                {
                    if (BatchSize > 1)
                    {
                        var jobs = await session.ReserveManyAsync(WatchedTubes, BatchSize, ReserveTimeout, stoppingToken);
                        if (jobs.Count == 0)
                        {
                            await OnIdleAsync(stoppingToken);
                            continue;
                        }
                        await ProcessBatchAsync(session, jobs, stoppingToken);
                        continue;
                    }
                    var job = await session.ReserveAsync(WatchedTubes, ReserveTimeout, stoppingToken);
                    if (job is null)
                    {
                        await OnIdleAsync(stoppingToken);
                        continue;
                    }
                    await ProcessAsync(job, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                var delay = reconnect.Failed().Delay;
                logger.LogError(ex, "queue session failed ({Message}); reconnecting in {Delay:0.0} s", ex.Message, delay.TotalSeconds);
                try
                {
                    await Task.Delay(delay, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            finally
            {
                if (session is not null)
                {
                    // Closing the session hands any job still reserved back to the queue.
                    await session.DisposeAsync();
                }
            }
        }
    }

    private async Task ProcessAsync(IReservedJob job, CancellationToken stoppingToken)
    {
        JobDisposition disposition;
        try
        {
            disposition = await HandleAsync(job, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await ReleaseForLaterAsync([job]);
            throw;
        }
        catch (Exception ex)
        {
            disposition = Failed(job, ex);
        }
        await FinishAsync(job, disposition);
    }

    private async Task ProcessBatchAsync(IJobConsumer session, IReadOnlyList<IReservedJob> jobs, CancellationToken stoppingToken)
    {
        IReadOnlyList<JobDisposition> dispositions;
        try
        {
            dispositions = await HandleBatchAsync(jobs, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await ReleaseForLaterAsync(jobs);
            throw;
        }
        catch (Exception ex)
        {
            dispositions = [.. jobs.Select(job => Failed(job, ex))];
        }
        if (dispositions.Count != jobs.Count)
        {
            throw new InvalidOperationException($"{GetType().Name} returned {dispositions.Count} dispositions for {jobs.Count} jobs");
        }

        var deletions = jobs.Where((_, i) => dispositions[i].Action == JobDisposition.Kind.Delete).ToList();
        var deleted = await session.DeleteManyAsync(deletions, CancellationToken.None);
        for (var i = 0; i < deletions.Count; i++)
        {
            if (!deleted[i])
            {
                WarnNotHeld(deletions[i], JobDisposition.Kind.Delete);
            }
        }
        for (var i = 0; i < jobs.Count; i++)
        {
            if (dispositions[i].Action != JobDisposition.Kind.Delete)
            {
                await FinishAsync(jobs[i], dispositions[i]);
            }
        }
    }

    // Shutting down mid-job: give them back untouched so the next start does them.
    private async Task ReleaseForLaterAsync(IReadOnlyList<IReservedJob> jobs)
    {
        foreach (var job in jobs)
        {
            await job.ReleaseAsync(TimeSpan.Zero, CancellationToken.None);
            logger.LogInformation("shutting down: job {Id} on {Tube} released for later", job.Id, job.Tube);
        }
    }

    private JobDisposition Failed(IReservedJob job, Exception ex)
    {
        var delay = Retries.DelayAfter(job.Deliveries);
        if (ex is IOException or HttpRequestException)
        {
            // A service down or a disk problem: the message says it; a stack trace would bury it.
            logger.LogWarning("job {Id} on {Tube} could not be done now (delivery {Deliveries}): {Message}; released, retry in {Delay:0.0} s",
                job.Id, job.Tube, job.Deliveries, ex.Message, delay.TotalSeconds);
        }
        else
        {
            logger.LogError(ex, "job {Id} on {Tube} failed (delivery {Deliveries}): {Message}; released, retry in {Delay:0.0} s",
                job.Id, job.Tube, job.Deliveries, ex.Message, delay.TotalSeconds);
        }
        return JobDisposition.Release(delay, ex.Message);
    }

    private async Task FinishAsync(IReservedJob job, JobDisposition disposition)
    {
        var held = disposition.Action switch
        {
            JobDisposition.Kind.Delete => await job.DeleteAsync(CancellationToken.None),
            JobDisposition.Kind.Release => await job.ReleaseAsync(disposition.Delay, CancellationToken.None),
            _ => await BuryAsync(job, disposition.Reason ?? "no reason given"),
        };
        if (!held)
        {
            WarnNotHeld(job, disposition.Action);
        }
    }

    // Its TTR ran out (or the connection to the server was lost): another worker may be doing it again.
    private void WarnNotHeld(IReservedJob job, JobDisposition.Kind action) =>
        logger.LogWarning("job {Id} on {Tube} was no longer held by this worker when it was to be {Action}; the queue hands it out again",
            job.Id, job.Tube, action switch { JobDisposition.Kind.Delete => "deleted", JobDisposition.Kind.Release => "released", _ => "buried" });

    private async Task<bool> BuryAsync(IReservedJob job, string reason)
    {
        logger.LogError("job {Id} on {Tube} buried: {Reason}; body: {Body}", job.Id, job.Tube, reason, Truncate(job.Body));
        return await job.BuryAsync(reason, CancellationToken.None);
    }

    private static string Truncate(string body) => body.Length <= 500 ? body : body[..500] + "…";
}
