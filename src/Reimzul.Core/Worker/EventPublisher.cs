using Reimzul.Messages;
using Reimzul.Queue;
using Reimzul.Telemetry;

namespace Reimzul.Worker;

/// <summary>Puts a worker's events on <c>notify</c> and its requests on <c>createrepo</c>, on a session of its own.</summary>
public sealed class EventPublisher(IJobQueueFactory queues) : IAsyncDisposable
{
    private static readonly TimeSpan MessageTtr = TimeSpan.FromMinutes(2);
    private IJobProducer? _session;

    public async Task PublishAsync(BuildEvent buildEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(buildEvent);
        await PutAsync(Tubes.Notify, MessageJson.Serialize(buildEvent), cancellationToken);
        // Counted once it is on notify, so a retried put counts once.
        ReimzulMetrics.BuildAnnounced(buildEvent.Status, buildEvent.Arch, buildEvent.Target, buildEvent.DurationSeconds);
    }

    public Task RequestRepoAsync(string target, string? buildId, CancellationToken cancellationToken) =>
        PutAsync(Tubes.Createrepo, RepoRequest(target, buildId), cancellationToken);

    /// <summary>
    /// A stored success: its event on <c>notify</c> and its target's regeneration on <c>createrepo</c> in one put (one
    /// transaction on the embedded queue). Put again after a failure, either may arrive twice: the notifier records an
    /// event once, and a second regeneration request finds nothing new.
    /// </summary>
    public async Task PublishWithRepoRequestAsync(BuildEvent buildEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(buildEvent);
        await PutManyAsync(
        [
            new JobToPut(Tubes.Notify, MessageJson.Serialize(buildEvent), Tubes.PriorityNormal, TimeSpan.Zero, MessageTtr),
            new JobToPut(Tubes.Createrepo, RepoRequest(buildEvent.Target, buildEvent.BuildId), Tubes.PriorityNormal, TimeSpan.Zero, MessageTtr),
        ], cancellationToken);
        ReimzulMetrics.BuildAnnounced(buildEvent.Status, buildEvent.Arch, buildEvent.Target, buildEvent.DurationSeconds);
    }

    private static string RepoRequest(string target, string? buildId) =>
        MessageJson.Serialize(new CreaterepoRequest { Target = target, BuildId = buildId });

    private Task PutAsync(string tube, string body, CancellationToken cancellationToken) =>
        PutManyAsync([new JobToPut(tube, body, Tubes.PriorityNormal, TimeSpan.Zero, MessageTtr)], cancellationToken);

    // A failed put drops the session, so the caller's next try starts on a fresh one.
    private async Task PutManyAsync(IReadOnlyList<JobToPut> jobs, CancellationToken cancellationToken)
    {
        _session ??= await queues.OpenProducerAsync(cancellationToken);
        try
        {
            if (jobs.Count == 1)
            {
                await _session.PutAsync(jobs[0].Tube, jobs[0].Body, jobs[0].Priority, jobs[0].Delay, jobs[0].Ttr, cancellationToken);
            }
            else
            {
                await _session.PutManyAsync(jobs, cancellationToken);
            }
        }
        catch
        {
            var broken = _session;
            _session = null;
            await DisposeQuietlyAsync(broken);
            throw;
        }
    }

    private static async Task DisposeQuietlyAsync(IJobProducer session)
    {
        try
        {
            await session.DisposeAsync();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // A session that already failed may fail to close; the put's error is the one that matters.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_session is not null)
        {
            await _session.DisposeAsync();
        }
    }
}
