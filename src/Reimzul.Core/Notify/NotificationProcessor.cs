using Microsoft.Extensions.Logging;
using Reimzul.History;
using Reimzul.Messages;
using Reimzul.Retry;

namespace Reimzul.Notify;

/// <summary>
/// Handles one event from <c>notify</c>: announce it to the direct sinks (the log file), hand its mail and MQTT
/// deliveries to the outbox, record it in the history, and say whether a <c>tosign</c> job is due. The caller puts
/// that job, then deletes the notify job.
/// </summary>
public sealed class NotificationProcessor
{
    private readonly IHistoryStore history;
    private readonly IReadOnlyList<INotificationSink> directSinks;
    private readonly NotificationOutbox? outbox;
    private readonly IReadOnlyList<INotificationSink> outboxSinks;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly RetryPolicy historyRetries;

    /// <summary>Every sink announced directly, before the history is written; no outbox.</summary>
    public NotificationProcessor(IHistoryStore history, IReadOnlyList<INotificationSink> sinks, ILogger logger)
        : this(history, sinks, null, [], logger, TimeProvider.System, RetryPolicy.Default)
    {
    }

    /// <param name="directSinks">Announced in the handling of the event (the log file): a failure releases the job.</param>
    /// <param name="outbox">Where deliveries to <paramref name="outboxSinks"/> wait; their loops deliver them.</param>
    /// <param name="historyRetries">How long to wait between tries while the history database is down.</param>
    public NotificationProcessor(
        IHistoryStore history,
        IReadOnlyList<INotificationSink> directSinks,
        NotificationOutbox? outbox,
        IReadOnlyList<INotificationSink> outboxSinks,
        ILogger logger,
        TimeProvider time,
        RetryPolicy historyRetries)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(directSinks);
        ArgumentNullException.ThrowIfNull(outboxSinks);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(historyRetries);
        if (outboxSinks.Count > 0 && outbox is null)
        {
            throw new ArgumentException("sinks delivered from the outbox need an outbox", nameof(outbox));
        }
        this.history = history;
        this.directSinks = directSinks;
        this.outbox = outbox;
        this.outboxSinks = outboxSinks;
        this.logger = logger;
        this.time = time;
        this.historyRetries = historyRetries;
    }

    public Task<NotifyOutcome> HandleAsync(BuildEvent buildEvent, CancellationToken ct) => HandleAsync(buildEvent, null, ct);

    /// <param name="keepAlive">Called before each wait for the history, to keep the notify job reserved meanwhile.</param>
    public async Task<NotifyOutcome> HandleAsync(BuildEvent buildEvent, Func<CancellationToken, Task>? keepAlive, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(buildEvent);

        // Delivery is at least once, and the process may die anywhere. Announcing before recording means a death
        // in between costs a repeated log line, never a lost one; once the history holds the event, a redelivery is
        // not announced again. The outbox keeps its (event, sink) entries after delivery, so a death after they
        // were added and before the history was written does not mail or publish twice either.
        bool recorded;
        if (await WithHistoryAsync(c => history.ContainsAsync(buildEvent, c), "look up", buildEvent, keepAlive, ct))
        {
            logger.LogInformation("Build {BuildId} {Srpm} ({Timestamp}) {Arch} {Status} is already recorded; not announcing it again",
                buildEvent.BuildId, buildEvent.Srpm, buildEvent.Timestamp, buildEvent.Arch, buildEvent.Status);
            recorded = false;
        }
        else
        {
            foreach (var sink in directSinks)
            {
                if (sink.Concerns(buildEvent))
                {
                    await sink.EmitAsync(buildEvent, ct);
                }
            }
            if (outbox is not null)
            {
                var concerned = outboxSinks.Where(s => s.Concerns(buildEvent)).Select(s => s.Name).ToList();
                await outbox.AddAsync(EventKey.Of(buildEvent), MessageJson.Serialize(buildEvent), concerned, ct);
            }
            recorded = await WithHistoryAsync(c => history.RecordAsync(buildEvent, c), "record", buildEvent, keepAlive, ct);
        }

        // Returned on a redelivery too: the first attempt may have died before putting it, and
        // staging the same build twice does no harm.
        return new NotifyOutcome(recorded, TosignFor(buildEvent));
    }

    // A history database that is down is waited for here, the job kept: releasing it would only hand the same
    // failure to the next event. ArgumentException is a bad event, not an outage, and is let out.
    private async Task<T> WithHistoryAsync<T>(Func<CancellationToken, Task<T>> operation, string what, BuildEvent e, Func<CancellationToken, Task>? keepAlive, CancellationToken ct)
    {
        var schedule = historyRetries.Start(time);
        while (true)
        {
            try
            {
                return await operation(ct);
            }
            catch (Exception ex) when (ex is not ArgumentException && !(ex is OperationCanceledException && ct.IsCancellationRequested))
            {
                var decision = schedule.Failed();
                logger.LogWarning("history unavailable, cannot {What} build {BuildId} {Srpm} {Arch} {Status} (try {Failures}): {Message}; trying again in {Delay:0.0} s",
                    what, e.BuildId, e.Srpm, e.Arch, e.Status, decision.Failures, ex.Message, decision.Delay.TotalSeconds);
                if (keepAlive is not null)
                {
                    await keepAlive(ct);
                }
                await Task.Delay(decision.Delay, time, ct);
            }
        }
    }

    private static TosignRequest? TosignFor(BuildEvent e) =>
        e.Status == BuildStatus.Success && !e.Scratch
            ? new TosignRequest
            {
                PkgName = e.PkgName,
                Status = e.Status,
                Target = e.Target,
                Arch = e.Arch,
                Timestamp = e.Timestamp,
                Evr = string.IsNullOrEmpty(e.Evr) ? null : e.Evr,
                BuildId = e.BuildId,
            }
            : null;
}
