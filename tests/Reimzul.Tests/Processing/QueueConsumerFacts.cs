using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Processing;
using Reimzul.Queue;
using Reimzul.Queue.Embedded;
using Reimzul.Retry;
using Reimzul.Tests.Retry;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Processing;

/// <summary>The loop every role shares, on the real embedded queue, with a handler the test writes.</summary>
public sealed class QueueConsumerFacts : IAsyncLifetime, IDisposable
{
    private const string Tube = "work";
    private static readonly TimeSpan OneMillisecond = TimeSpan.FromMilliseconds(1);

    private readonly TempDir _dir = new("reimzul-consumer");
    private readonly ManualTimeProvider _clock = new();
    private readonly EmbeddedJobQueueFactory _queues;
    private readonly QueueProbe _probe;
    private readonly List<RunningService> _running = [];

    public QueueConsumerFacts()
    {
        _queues = new EmbeddedJobQueueFactory(_dir.Combine("queue.db"), _clock);
        _probe = new QueueProbe(_queues);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var running in _running)
        {
            await running.DisposeAsync();
        }
        await _probe.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose();

    private ScriptedConsumer Consumer(Func<IReservedJob, CancellationToken, Task<JobDisposition>> handle) =>
        new(_queues, NullLogger.Instance, _clock, Tube, handle);

    private async Task<RunningService> StartAsync(ScriptedConsumer consumer)
    {
        var running = await RunningService.StartAsync(consumer);
        _running.Add(running);
        return running;
    }

    /// <summary>
    /// Moves the queue's clock. A reserve waiting for a delayed job wakes on a timer of that clock; it is told to look
    /// again as well, in case it armed that timer just after the clock moved.
    /// </summary>
    private void PassTime(TimeSpan by)
    {
        _clock.Advance(by);
        _queues.Announce();
    }

    [Fact]
    public async Task AJobWhoseHandlerSaysDeleteIsGone()
    {
        var consumer = Consumer((_, _) => Task.FromResult(JobDisposition.Delete));
        var id = await _probe.PutAsync(Tube, "done soon");
        await StartAsync(consumer);

        var delivery = await consumer.NextDeliveryAsync();
        await _probe.WaitUntilAllDeletedAsync(Tube, putCount: 1);

        Assert.Equal((id, "done soon", 1), (delivery.JobId, delivery.Body, delivery.Deliveries));
    }

    [Fact]
    public async Task AJobWhoseHandlerSaysBuryIsSetAsideWithTheHandlersReason()
    {
        var consumer = Consumer((_, _) => Task.FromResult(JobDisposition.Bury("body is not a build job")));
        var id = await _probe.PutAsync(Tube, "garbage");
        await StartAsync(consumer);

        var buried = await _probe.WaitForBuriedAsync(Tube);

        Assert.Equal((id, "garbage", "body is not a build job"), (buried.Id, buried.Body, buried.Reason));
        Assert.Equal((0L, 0L, 0L), await ReadyReservedDelayedAsync());
    }

    [Fact]
    public async Task ABatchingConsumerTakesTheReadyJobsInOneTurnAndFinishesEachAsItsHandlerSays()
    {
        var consumer = new ScriptedConsumer(_queues, NullLogger.Instance, _clock, Tube, (job, _) => job.Body switch
        {
            "bad" => Task.FromResult(JobDisposition.Bury("not a job")),
            "broken" => throw new InvalidOperationException("the handler broke"),
            _ => Task.FromResult(JobDisposition.Delete),
        }, batchSize: 10);
        var first = await _probe.PutAsync(Tube, "first");
        var bad = await _probe.PutAsync(Tube, "bad");
        var broken = await _probe.PutAsync(Tube, "broken");
        var last = await _probe.PutAsync(Tube, "last");
        await StartAsync(consumer);

        var buried = await _probe.WaitForBuriedAsync(Tube);
        await _probe.WaitForStatsAsync(Tube, s => s is { Ready: 0, Reserved: 0, Delayed: 1 }, "the broken job delayed, the others finished");

        Assert.Equal(4, consumer.BatchSizes.First());
        Assert.Equal("not a job", buried.Reason);
        var handed = new List<long>();
        while (consumer.TryTakeDelivery(out var delivery))
        {
            handed.Add(delivery!.JobId);
        }
        Assert.Equal([first, bad, broken, last], handed);
        Assert.Equal(4, (await _probe.StatsAsync(Tube)).TotalJobs);

        // The broken one was released with the back-off of a single job, and comes back alone.
        PassTime(RetryPolicy.Default.DelayAfter(1));
        var again = await consumer.NextDeliveryAsync();
        Assert.Equal((broken, 2), (again.JobId, again.Deliveries));
    }

    [Fact]
    public async Task AJobWhoseHandlerThrowsComesBackAfterADelayThatGrowsWithItsDeliveries()
    {
        var consumer = Consumer((_, _) => throw new InvalidOperationException("the handler broke"));
        await _probe.PutAsync(Tube, "fails every time");
        await StartAsync(consumer);
        var firstDelay = RetryPolicy.Default.DelayAfter(1);
        var secondDelay = RetryPolicy.Default.DelayAfter(2);

        var first = await consumer.NextDeliveryAsync();
        await WaitUntilDelayedAsync();
        PassTime(first.At + firstDelay - OneMillisecond - _clock.GetUtcNow());
        Assert.Equal((0L, 0L, 1L), await ReadyReservedDelayedAsync());
        Assert.False(consumer.TryTakeDelivery(out _), "handed out again before its delay was over");

        PassTime(OneMillisecond);
        var second = await consumer.NextDeliveryAsync();
        Assert.Equal(2, second.Deliveries);
        Assert.Equal(first.At + firstDelay, second.At);

        await WaitUntilDelayedAsync();
        PassTime(firstDelay);
        Assert.Equal((0L, 0L, 1L), await ReadyReservedDelayedAsync());
        Assert.False(consumer.TryTakeDelivery(out _), "the second delay was no longer than the first");

        PassTime(second.At + secondDelay - _clock.GetUtcNow());
        var third = await consumer.NextDeliveryAsync();
        Assert.Equal(3, third.Deliveries);
        Assert.Equal(second.At + secondDelay, third.At);
        Assert.True(third.At - second.At > second.At - first.At);
    }

    [Fact]
    public async Task AStopWhileAJobIsHandledReleasesItUndelayedForTheNextStart()
    {
        var handling = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var interrupted = Consumer(async (_, stoppingToken) =>
        {
            handling.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, stoppingToken);
            return JobDisposition.Delete;
        });
        var id = await _probe.PutAsync(Tube, "long work");
        var running = await StartAsync(interrupted);
        await handling.Task.WaitAsync(TimeSpan.FromSeconds(30));

        await running.StopAsync();

        Assert.Equal((1L, 0L, 0L), await ReadyReservedDelayedAsync());
        var next = Consumer((_, _) => Task.FromResult(JobDisposition.Delete));
        await StartAsync(next);
        var delivery = await next.NextDeliveryAsync();
        Assert.Equal((id, 2), (delivery.JobId, delivery.Deliveries));
        await _probe.WaitUntilAllDeletedAsync(Tube, putCount: 1);
    }

    [Fact]
    public async Task AQueueThatCannotBeOpenedIsTriedAgainWithBackOffUntilItCanAndItsJobsAreThenHandled()
    {
        var databasePath = _dir.Combine("unusable", "queue.db");
        // A directory where the database file should be: SQLite cannot open it.
        Directory.CreateDirectory(databasePath);
        var queues = new EmbeddedJobQueueFactory(databasePath, new ManualTimeProvider());
        await using var probe = new QueueProbe(queues);
        // The consumer's own clock says when it starts waiting to retry, so the test moves it only then.
        var retryClock = new SteppedClock();
        var logger = new ListLogger();
        var consumer = new ScriptedConsumer(queues, logger, retryClock, Tube, (_, _) => Task.FromResult(JobDisposition.Delete));
        var running = await RunningService.StartAsync(consumer);
        _running.Add(running);

        await retryClock.WaitStartedAsync();
        retryClock.Advance(RetryPolicy.Default.DelayAfter(1));
        await retryClock.WaitStartedAsync();

        var failures = logger.Lines.Where(l => l.Level == LogLevel.Error).Select(l => l.Message).ToList();
        Assert.Equal(2, failures.Count);
        Assert.All(failures, f => Assert.Contains($"cannot open queue database '{databasePath}'", f, StringComparison.Ordinal));
        Assert.True(running.IsRunning);

        Directory.Delete(databasePath);
        var id = await probe.PutAsync(Tube, "waited for the queue");
        retryClock.Advance(RetryPolicy.Default.DelayAfter(2));

        var delivery = await consumer.NextDeliveryAsync();
        Assert.Equal((id, 1), (delivery.JobId, delivery.Deliveries));
        await probe.WaitUntilAllDeletedAsync(Tube, putCount: 1);
        Assert.Equal(2, logger.Count(LogLevel.Error));
    }

    private async Task WaitUntilDelayedAsync() =>
        await _probe.WaitForStatsAsync(Tube, s => s.Delayed == 1, "the failed job was released with a delay");

    private async Task<(long Ready, long Reserved, long Delayed)> ReadyReservedDelayedAsync()
    {
        var stats = await _probe.StatsAsync(Tube);
        return (stats.Ready, stats.Reserved, stats.Delayed);
    }
}
