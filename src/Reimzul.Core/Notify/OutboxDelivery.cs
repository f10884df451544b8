using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Reimzul.Messages;
using Reimzul.Retry;

namespace Reimzul.Notify;

/// <summary>
/// Delivers one sink's entries from the outbox, oldest first: woken when one is added, and at the time the next
/// retry is due. A sink that fails (SMTP or broker down) is tried again with a growing delay, the entries kept in
/// order; a restart picks up whatever is still pending. Each sink has its own loop, so a mail server that is down
/// does not hold up MQTT.
/// </summary>
public sealed class OutboxDelivery(NotificationOutbox outbox, INotificationSink sink, RetryPolicy retries, ILogger logger, TimeProvider time) : BackgroundService
{
    private const int BatchSize = 64;

    // A notifier that does not hear of a new entry (one added by another process) still looks this often.
    private static readonly TimeSpan LongestSleep = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);
    private static readonly TimeSpan InFlightGrace = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var wake = outbox.WakeFor(sink.Name);
        var schedule = retries.Start(time);
        var nextPrune = time.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (time.GetUtcNow() >= nextPrune)
                {
                    await outbox.PruneAsync(stoppingToken);
                    nextPrune = time.GetUtcNow() + PruneEvery;
                }
                var due = await outbox.DueAsync(sink.Name, BatchSize, stoppingToken);
                TimeSpan? backOff = null;
                foreach (var entry in due)
                {
                    if (await DeliverAsync(entry, schedule, stoppingToken) is { } delay)
                    {
                        backOff = delay;
                        break;
                    }
                }
                if (backOff is { } wait)
                {
                    // Not woken by new entries meanwhile: the sink is down, and they wait behind the one that failed.
                    await Task.Delay(wait, time, stoppingToken);
                }
                else if (due.Count < BatchSize)
                {
                    await SleepAsync(wake, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // The outbox itself failed (disk): wait as for a sink, and try again.
                var delay = schedule.Failed().Delay;
                logger.LogError(ex, "{Sink} outbox: {Message}; trying again in {Delay:0.0} s", sink.Name, ex.Message, delay.TotalSeconds);
                try
                {
                    await Task.Delay(delay, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    /// <summary>Delivers one entry; returns the back-off delay when the sink failed, null when the entry is done with.</summary>
    private async Task<TimeSpan?> DeliverAsync(OutboxEntry entry, RetrySchedule schedule, CancellationToken stoppingToken)
    {
        if (!MessageChecks.TryReadBuildEvent(entry.EventJson, out var buildEvent, out var error))
        {
            logger.LogError("{Sink} outbox entry {Id} cannot be read ({Error}); dropped", sink.Name, entry.Id, error);
            await outbox.MarkDroppedAsync(entry.Id, error, stoppingToken);
            return null;
        }
        try
        {
            // A delivery under way when the notifier is asked to stop may finish (bounded): cut off between the
            // server's acknowledgement and the mark below, it would be sent again by the next notifier.
            using var inFlight = new CancellationTokenSource();
            using var stopping = stoppingToken.Register(() => inFlight.CancelAfter(InFlightGrace));
            await sink.EmitAsync(buildEvent, inFlight.Token);
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && stoppingToken.IsCancellationRequested))
        {
            var decision = schedule.Failed();
            logger.LogWarning("{Sink}: build {BuildId} {Srpm} {Arch} {Status} not delivered (try {Attempt}): {Message}; trying again in {Delay:0.0} s",
                sink.Name, buildEvent.BuildId, buildEvent.Srpm, buildEvent.Arch, buildEvent.Status, entry.Attempts + 1, ex.Message, decision.Delay.TotalSeconds);
            await outbox.MarkFailedAsync(entry.Id, ex.Message, decision.RetryAt, stoppingToken);
            return decision.Delay;
        }
        await outbox.MarkDeliveredAsync(entry.Id, CancellationToken.None);
        if (schedule.Failures > 0)
        {
            logger.LogInformation("{Sink}: delivering again after {Failures} failed tries", sink.Name, schedule.Failures);
        }
        schedule.Progressed();
        return null;
    }

    private async Task SleepAsync(WakeSignal wake, CancellationToken stoppingToken)
    {
        var sleep = LongestSleep;
        if (await outbox.NextDueAsync(sink.Name, stoppingToken) is { } next)
        {
            var untilDue = next - time.GetUtcNow();
            if (untilDue <= TimeSpan.Zero)
            {
                return;
            }
            sleep = untilDue < sleep ? untilDue : sleep;
        }
        await wake.WaitAsync(sleep, stoppingToken);
    }
}
