using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Reimzul.Messages;
using Reimzul.Queue;
using Reimzul.Retry;

namespace Reimzul.Processing;

/// <summary>
/// The reserve → handle → delete/release/bury loop shared by every role. Delivery is
/// at-least-once: a job is deleted only after its handler has finished its work, so a crash
/// anywhere before that hands the job to someone else (TTR, or the session closing).
/// </summary>
public abstract class QueueConsumer(IJobQueueFactory queues, ILogger logger, TimeProvider time) : BackgroundService
{
    private readonly Dictionary<long, Backoff> _retries = [];

    /// <summary>Tubes this consumer watches.</summary>
    protected abstract IReadOnlyCollection<string> WatchedTubes { get; }

    /// <summary>How long one reserve waits before <see cref="OnIdleAsync"/> gets a turn.</summary>
    protected virtual TimeSpan ReserveTimeout => TimeSpan.FromSeconds(10);

    protected ILogger Logger => logger;

    protected IJobQueueFactory Queues => queues;

    protected TimeProvider Time => time;

    /// <summary>Does the job's work. Throwing releases the job with a growing delay (a transient fault).</summary>
    protected abstract Task<JobDisposition> HandleAsync(ReservedJob job, IJobQueue session, CancellationToken stoppingToken);

    /// <summary>Runs when a reserve timed out with nothing to do.</summary>
    protected virtual Task OnIdleAsync(CancellationToken stoppingToken) => Task.CompletedTask;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reconnect = Backoff.Default();
        while (!stoppingToken.IsCancellationRequested)
        {
            IJobQueue? session = null;
            try
            {
                session = await queues.OpenAsync(stoppingToken);
                logger.LogInformation("waiting for jobs on {Tubes}", string.Join(", ", WatchedTubes));
                reconnect.Reset();
                while (!stoppingToken.IsCancellationRequested)
                {
                    var job = await session.ReserveAsync(WatchedTubes, ReserveTimeout, stoppingToken);
                    if (job is null)
                    {
                        await OnIdleAsync(stoppingToken);
                        continue;
                    }
                    await ProcessAsync(job, session, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                var delay = reconnect.Next();
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

    private async Task ProcessAsync(ReservedJob job, IJobQueue session, CancellationToken stoppingToken)
    {
        JobDisposition disposition;
        try
        {
            disposition = await HandleAsync(job, session, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down mid-job: give it back untouched so the next start builds it.
            await session.ReleaseAsync(job.Id, job.Priority, TimeSpan.Zero, CancellationToken.None);
            logger.LogInformation("shutting down: job {Id} on {Tube} released for later", job.Id, job.Tube);
            throw;
        }
        catch (Exception ex)
        {
            if (!_retries.TryGetValue(job.Id, out var backoff))
            {
                // Entries of jobs that another consumer finished are never removed here; forget them all now and then.
                if (_retries.Count >= 1024)
                {
                    _retries.Clear();
                }
                backoff = Backoff.Default();
                _retries[job.Id] = backoff;
            }
            var delay = backoff.Next();
            if (ex is IOException or HttpRequestException)
            {
                // A service down or a disk problem: the message says it; a stack trace would bury it.
                logger.LogWarning("job {Id} on {Tube} could not be done now: {Message}; released, retry in {Delay:0.0} s", job.Id, job.Tube, ex.Message, delay.TotalSeconds);
            }
            else
            {
                logger.LogError(ex, "job {Id} on {Tube} failed ({Message}); released, retry in {Delay:0.0} s", job.Id, job.Tube, ex.Message, delay.TotalSeconds);
            }
            disposition = JobDisposition.Release(delay, ex.Message);
        }

        switch (disposition.Action)
        {
            case JobDisposition.Kind.Delete:
                _retries.Remove(job.Id);
                await session.DeleteAsync(job.Id, CancellationToken.None);
                break;
            case JobDisposition.Kind.Release:
                await session.ReleaseAsync(job.Id, job.Priority, disposition.Delay, CancellationToken.None);
                break;
            case JobDisposition.Kind.Bury:
                _retries.Remove(job.Id);
                logger.LogError("job {Id} on {Tube} buried: {Reason}; body: {Body}", job.Id, job.Tube, disposition.Reason, Truncate(job.Body));
                await session.BuryAsync(job.Id, job.Priority, CancellationToken.None);
                break;
        }
    }

    private static string Truncate(string body) => body.Length <= 500 ? body : body[..500] + "…";
}
