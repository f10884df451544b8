using Microsoft.Extensions.Logging;
using Reimzul.Queue;

namespace Reimzul.Worker;

/// <summary>
/// Touches a reserved job every third of its TTR while a long build runs, so the queue does not
/// hand it to another worker; if this process dies the touches stop and the job comes back.
/// </summary>
public sealed class JobKeepAlive : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public JobKeepAlive(IReservedJob job, TimeSpan ttr, TimeProvider time, ILogger logger)
    {
        var interval = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(200).Ticks, ttr.Ticks / 3));
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(interval, time, _stop.Token);
                    if (!await job.TouchAsync(_stop.Token))
                    {
                        logger.LogWarning("job {Id} is no longer reserved by this worker (TTR ran out?)", job.Id);
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (Exception ex)
                {
                    logger.LogWarning(ex, "could not touch job {Id}: {Message}", job.Id, ex.Message);
                }
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
