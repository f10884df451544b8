using Reimzul.Messages;
using Reimzul.Queue;

namespace Reimzul.Tests.Support;

/// <summary>
/// The test's side of the queue a role works on: puts what the role is to consume, takes what it put, reads the
/// figures and buried jobs. One session per side, used by the test's own task only. Every wait is bounded in
/// real time, so it also ends on a queue whose clock a test holds still.
/// </summary>
internal sealed class QueueProbe(IJobQueueFactory queues) : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Ttr = TimeSpan.FromHours(1);
    private IJobProducer? _producer;
    private IJobConsumer? _consumer;
    private IQueueAdmin? _admin;

    public async Task<long> PutAsync(string tube, string body)
    {
        _producer ??= await queues.OpenProducerAsync();
        return await _producer.PutAsync(tube, body, Tubes.PriorityNormal, TimeSpan.Zero, Ttr);
    }

    public async Task<TubeStats> StatsAsync(string tube)
    {
        _admin ??= await queues.OpenAdminAsync();
        return await _admin.StatsTubeAsync(tube);
    }

    public async Task<IReadOnlyList<BuriedJob>> BuriedAsync(string tube)
    {
        _admin ??= await queues.OpenAdminAsync();
        return await _admin.BuriedAsync(tube, 100);
    }

    /// <summary>Waits until <paramref name="tube"/> has seen <paramref name="putCount"/> jobs and holds none, in any state: all were deleted.</summary>
    public async Task WaitUntilAllDeletedAsync(string tube, long putCount)
    {
        TubeStats? last = null;
        await Eventually.WaitAsync(async () =>
        {
            last = await StatsAsync(tube);
            return last.TotalJobs >= putCount && last is { Ready: 0, Reserved: 0, Delayed: 0, Buried: 0 };
        }, Patience, () => $"the {putCount} job(s) of {tube} were not all deleted within {Patience.TotalSeconds:0} s; last figures {last}");
    }

    /// <summary>Waits until <paramref name="tube"/> has a buried job and returns it.</summary>
    public async Task<BuriedJob> WaitForBuriedAsync(string tube)
    {
        IReadOnlyList<BuriedJob> buried = [];
        TubeStats? last = null;
        await Eventually.WaitAsync(async () =>
        {
            last = await StatsAsync(tube);
            return (buried = await BuriedAsync(tube)).Count > 0;
        }, Patience, () => $"nothing was buried on {tube} within {Patience.TotalSeconds:0} s; last figures {last}");
        return Assert.Single(buried);
    }

    /// <summary>Waits until the figures of <paramref name="tube"/> satisfy <paramref name="condition"/>; returns them.</summary>
    public async Task<TubeStats> WaitForStatsAsync(string tube, Func<TubeStats, bool> condition, string what)
    {
        TubeStats? last = null;
        await Eventually.WaitAsync(async () => condition(last = await StatsAsync(tube)),
            Patience, () => $"{tube}: {what} did not happen within {Patience.TotalSeconds:0} s; last figures {last}");
        return last!;
    }

    /// <summary>Takes the next job of <paramref name="tube"/>, waiting for it, deletes it and returns its body.</summary>
    public async Task<string> TakeAsync(string tube)
    {
        _consumer ??= await queues.OpenConsumerAsync();
        using var patience = new CancellationTokenSource(Patience);
        IReservedJob? job;
        try
        {
            job = await _consumer.ReserveAsync([tube], Timeout.InfiniteTimeSpan, patience.Token);
        }
        catch (OperationCanceledException) when (patience.IsCancellationRequested)
        {
            throw new TimeoutException($"nothing came on {tube} within {Patience.TotalSeconds:0} s");
        }
        Assert.NotNull(job);
        Assert.True(await job.DeleteAsync());
        return job.Body;
    }

    /// <summary>Takes and deletes every job ready on <paramref name="tube"/> now; returns their bodies in queue order.</summary>
    public async Task<IReadOnlyList<string>> TakeReadyAsync(string tube)
    {
        _consumer ??= await queues.OpenConsumerAsync();
        var bodies = new List<string>();
        while (await _consumer.ReserveAsync([tube], TimeSpan.Zero) is { } job)
        {
            bodies.Add(job.Body);
            Assert.True(await job.DeleteAsync());
        }
        return bodies;
    }

    public async ValueTask DisposeAsync()
    {
        if (_producer is not null)
        {
            await _producer.DisposeAsync();
        }
        if (_consumer is not null)
        {
            await _consumer.DisposeAsync();
        }
        if (_admin is not null)
        {
            await _admin.DisposeAsync();
        }
    }
}
