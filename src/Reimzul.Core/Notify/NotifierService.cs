using Microsoft.Extensions.Logging;
using Reimzul.Messages;
using Reimzul.Processing;
using Reimzul.Queue;

namespace Reimzul.Notify;

/// <summary>The notifier role: consumes <c>notify</c>, records and announces each event, stages finished non-scratch builds for signing.</summary>
public sealed class NotifierService(
    IJobQueueFactory queues,
    NotificationProcessor processor,
    ILogger<NotifierService> logger,
    TimeProvider time) : QueueConsumer(queues, logger, time)
{
    private static readonly TimeSpan MessageTtr = TimeSpan.FromMinutes(2);

    private IJobProducer? _producer;

    protected override IReadOnlyCollection<string> WatchedTubes { get; } = [Tubes.Notify];

    // A burst of events (a mass rebuild finishing, a notifier back after an outage) is recorded a batch at a time:
    // a few commits per batch instead of a few per event. Quiet tubes give batches of one.
    protected override int BatchSize => 256;

    protected override async Task<IReadOnlyList<JobDisposition>> HandleBatchAsync(IReadOnlyList<IReservedJob> jobs, CancellationToken stoppingToken)
    {
        var dispositions = new JobDisposition[jobs.Count];
        var readable = new List<IReservedJob>();
        var events = new List<BuildEvent>();
        for (var i = 0; i < jobs.Count; i++)
        {
            if (MessageChecks.TryReadBuildEvent(jobs[i].Body, out var buildEvent, out var error))
            {
                readable.Add(jobs[i]);
                events.Add(buildEvent);
                dispositions[i] = JobDisposition.Delete;
            }
            else
            {
                dispositions[i] = JobDisposition.Bury(error);
            }
        }
        if (events.Count == 0)
        {
            return dispositions;
        }

        IReadOnlyList<NotifyOutcome> outcomes;
        try
        {
            outcomes = await processor.HandleManyAsync(events, async ct =>
            {
                foreach (var job in readable)
                {
                    await job.TouchAsync(ct);
                }
            }, stoppingToken);
        }
        catch (ArgumentException)
        {
            // One of them can never be recorded: alone, each gets its own outcome and the others are not held back.
            var alone = await base.HandleBatchAsync(readable, stoppingToken);
            for (int i = 0, r = 0; i < jobs.Count; i++)
            {
                if (dispositions[i].Action == JobDisposition.Kind.Delete)
                {
                    dispositions[i] = alone[r++];
                }
            }
            return dispositions;
        }

        var tosign = outcomes.Select(o => o.Tosign).OfType<TosignRequest>()
            .Select(t => new JobToPut(Tubes.Tosign, MessageJson.Serialize(t), Tubes.PriorityNormal, TimeSpan.Zero, MessageTtr)).ToList();
        if (tosign.Count > 0)
        {
            _producer ??= await Queues.OpenProducerAsync(stoppingToken);
            await _producer.PutManyAsync(tosign, CancellationToken.None);
        }
        return dispositions;
    }

    protected override async Task<JobDisposition> HandleAsync(IReservedJob job, CancellationToken stoppingToken)
    {
        if (!MessageChecks.TryReadBuildEvent(job.Body, out var buildEvent, out var error))
        {
            return JobDisposition.Bury(error);
        }
        // While the history is down the job is held, touched so its TTR does not hand it out again.
        var outcome = await processor.HandleAsync(buildEvent, ct => job.TouchAsync(ct), stoppingToken);
        if (outcome.Tosign is { } tosign)
        {
            _producer ??= await Queues.OpenProducerAsync(stoppingToken);
            await _producer.PutAsync(Tubes.Tosign, MessageJson.Serialize(tosign), Tubes.PriorityNormal, TimeSpan.Zero, MessageTtr, CancellationToken.None);
        }
        return JobDisposition.Delete;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_producer is not null)
        {
            await _producer.DisposeAsync();
        }
    }
}
