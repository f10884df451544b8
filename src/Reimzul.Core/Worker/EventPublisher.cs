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
        PutAsync(Tubes.Createrepo, MessageJson.Serialize(new CreaterepoRequest { Target = target, BuildId = buildId }), cancellationToken);

    // A failed put drops the session, so the caller's next try starts on a fresh one.
    private async Task PutAsync(string tube, string body, CancellationToken cancellationToken)
    {
        _session ??= await queues.OpenProducerAsync(cancellationToken);
        try
        {
            await _session.PutAsync(tube, body, Tubes.PriorityNormal, TimeSpan.Zero, MessageTtr, cancellationToken);
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
