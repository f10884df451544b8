using Microsoft.Extensions.Logging;
using Reimzul.History;
using Reimzul.Messages;

namespace Reimzul.Notify;

/// <summary>
/// Handles one event from <c>notify</c>: announce it to every sink, record it in the history, and
/// say whether a <c>tosign</c> job is due. The caller puts that job, then deletes the notify job.
/// </summary>
public sealed class NotificationProcessor
{
    private readonly IHistoryStore history;
    private readonly IReadOnlyList<INotificationSink> sinks;
    private readonly ILogger logger;

    public NotificationProcessor(IHistoryStore history, IReadOnlyList<INotificationSink> sinks, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(sinks);
        ArgumentNullException.ThrowIfNull(logger);
        this.history = history;
        this.sinks = sinks;
        this.logger = logger;
    }

    public async Task<NotifyOutcome> HandleAsync(BuildEvent buildEvent, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(buildEvent);

        // Delivery is at least once, and the process may die anywhere. Announcing before recording
        // means a death in between costs a repeated log line or mail, never a lost one; once the
        // history holds the event, a redelivery is not announced again.
        bool recorded;
        if (await history.ContainsAsync(buildEvent, ct))
        {
            logger.LogInformation("Build {BuildId} {Srpm} ({Timestamp}) {Arch} {Status} is already recorded; not announcing it again",
                buildEvent.BuildId, buildEvent.Srpm, buildEvent.Timestamp, buildEvent.Arch, buildEvent.Status);
            recorded = false;
        }
        else
        {
            foreach (var sink in sinks)
            {
                await sink.EmitAsync(buildEvent, ct);
            }
            recorded = await history.RecordAsync(buildEvent, ct);
        }

        // Returned on a redelivery too: the first attempt may have died before putting it, and
        // staging the same build twice does no harm.
        return new NotifyOutcome(recorded, TosignFor(buildEvent));
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
