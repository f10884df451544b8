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
