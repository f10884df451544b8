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
        return (await HandleManyAsync([buildEvent], keepAlive, ct))[0];
    }

    /// <summary>
    /// Handles several events as one step: one history lookup pass, one outbox transaction, one history transaction, so
    /// a burst costs a few commits instead of a few per event. The outcome of each, in order. An event that comes twice
    /// in the batch is handled once; the second is treated as the redelivery it is.
    /// </summary>
    /// <param name="keepAlive">Called before each wait for the history, to keep the notify jobs reserved meanwhile.</param>
    public async Task<IReadOnlyList<NotifyOutcome>> HandleManyAsync(IReadOnlyList<BuildEvent> buildEvents, Func<CancellationToken, Task>? keepAlive, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(buildEvents);

        // Delivery is at least once, and the process may die anywhere. Announcing before recording means a death
        // in between costs a repeated log line, never a lost one; once the history holds the event, a redelivery is
        // not announced again. The outbox keeps its (event, sink) entries after delivery, so a death after they
        // were added and before the history was written does not mail or publish twice either.
        var known = await WithHistoryAsync(c => history.ContainsManyAsync(buildEvents, c), "look up", buildEvents, keepAlive, ct);

        var fresh = new List<BuildEvent>();
        var freshIndexes = new List<int>();
        var freshKeys = new List<string>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < buildEvents.Count; i++)
        {
            var e = buildEvents[i];
            var key = EventKey.Of(e);
            if (known[i] || !keys.Add(key))
            {
                logger.LogInformation("Build {BuildId} {Srpm} ({Timestamp}) {Arch} {Status} is already recorded; not announcing it again",
                    e.BuildId, e.Srpm, e.Timestamp, e.Arch, e.Status);
                continue;
            }
            fresh.Add(e);
            freshIndexes.Add(i);
            freshKeys.Add(key);
        }

        var recorded = new bool[buildEvents.Count];
        if (fresh.Count > 0)
        {
            foreach (var e in fresh)
            {
                foreach (var sink in directSinks)
                {
                    if (sink.Concerns(e))
                    {
                        await sink.EmitAsync(e, ct);
                    }
                }
            }
            if (outbox is not null)
            {
                await outbox.AddManyAsync([.. fresh.Select((e, i) => new OutboxAddition(
                    freshKeys[i], MessageJson.Serialize(e), [.. outboxSinks.Where(s => s.Concerns(e)).Select(s => s.Name)]))], ct);
            }
            var written = await WithHistoryAsync(c => history.RecordManyAsync(fresh, c), "record", fresh, keepAlive, ct);
            for (var i = 0; i < fresh.Count; i++)
            {
                recorded[freshIndexes[i]] = written[i];
            }
        }

        // Returned on a redelivery too: the first attempt may have died before putting it, and
        // staging the same build twice does no harm.
        return [.. buildEvents.Select((e, i) => new NotifyOutcome(recorded[i], TosignFor(e)))];
    }

    // A history database that is down is waited for here, the job kept: releasing it would only hand the same
    // failure to the next event. ArgumentException is a bad event, not an outage, and is let out.
    private async Task<T> WithHistoryAsync<T>(Func<CancellationToken, Task<T>> operation, string what, IReadOnlyList<BuildEvent> events, Func<CancellationToken, Task>? keepAlive, CancellationToken ct)
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
                var e = events[0];
                var others = events.Count > 1 ? $" and {events.Count - 1} more" : "";
                logger.LogWarning("history unavailable, cannot {What} build {BuildId} {Srpm} {Arch} {Status}{Others} (try {Failures}): {Message}; trying again in {Delay:0.0} s",
                    what, e.BuildId, e.Srpm, e.Arch, e.Status, others, decision.Failures, ex.Message, decision.Delay.TotalSeconds);
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
