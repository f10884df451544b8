using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Reimzul.Processing;
using Reimzul.Queue;

namespace Reimzul.Tests.Support;

/// <summary>One delivery of a job to a <see cref="ScriptedConsumer"/>, with the consumer's clock at that moment.</summary>
internal sealed record Delivery(long JobId, string Body, int Deliveries, DateTimeOffset At);

/// <summary>The shared consumer loop around a handler the test writes; it remembers every delivery it was handed.</summary>
internal sealed class ScriptedConsumer(
    IJobQueueFactory queues,
    ILogger logger,
    TimeProvider time,
    string tube,
    Func<IReservedJob, CancellationToken, Task<JobDisposition>> handle,
    int batchSize = 1) : QueueConsumer(queues, logger, time)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly Channel<Delivery> _deliveries = Channel.CreateUnbounded<Delivery>();

    protected override IReadOnlyCollection<string> WatchedTubes { get; } = [tube];

    protected override int BatchSize => batchSize;

    /// <summary>How many jobs each turn of a batching consumer took, in order.</summary>
    public ConcurrentQueue<int> BatchSizes { get; } = new();

    protected override Task<IReadOnlyList<JobDisposition>> HandleBatchAsync(IReadOnlyList<IReservedJob> jobs, CancellationToken stoppingToken)
    {
        BatchSizes.Enqueue(jobs.Count);
        return base.HandleBatchAsync(jobs, stoppingToken);
    }

    protected override Task<JobDisposition> HandleAsync(IReservedJob job, CancellationToken stoppingToken)
    {
        _deliveries.Writer.TryWrite(new Delivery(job.Id, job.Body, job.Deliveries, Time.GetUtcNow()));
        return handle(job, stoppingToken);
    }

    /// <summary>The next delivery, waiting for it up to 30 s of real time.</summary>
    public async Task<Delivery> NextDeliveryAsync()
    {
        using var patience = new CancellationTokenSource(Patience);
        try
        {
            return await _deliveries.Reader.ReadAsync(patience.Token);
        }
        catch (OperationCanceledException) when (patience.IsCancellationRequested)
        {
            throw new TimeoutException($"no job was handed to the consumer within {Patience.TotalSeconds:0} s");
        }
    }

    /// <summary>A delivery already made and not yet taken, if any.</summary>
    public bool TryTakeDelivery(out Delivery? delivery) => _deliveries.Reader.TryRead(out delivery);
}
