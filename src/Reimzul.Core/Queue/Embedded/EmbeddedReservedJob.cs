namespace Reimzul.Queue.Embedded;

/// <summary>A job reserved by one <see cref="EmbeddedJobQueue"/> session; its actions go through that session.</summary>
internal sealed class EmbeddedReservedJob(EmbeddedJobQueue session, long id, string tube, uint priority, string body, int deliveries) : IReservedJob
{
    public long Id { get; } = id;

    public string Tube { get; } = tube;

    public uint Priority { get; } = priority;

    public string Body { get; } = body;

    public int Deliveries { get; } = deliveries;

    public Task<bool> DeleteAsync(CancellationToken cancellationToken = default) => session.DeleteAsync(Id, cancellationToken);

    public Task<bool> ReleaseAsync(TimeSpan delay, CancellationToken cancellationToken = default) => session.ReleaseAsync(Id, Priority, delay, cancellationToken);

    public Task<bool> BuryAsync(string reason, CancellationToken cancellationToken = default) => session.BuryAsync(Id, Priority, reason, cancellationToken);

    public Task<bool> TouchAsync(CancellationToken cancellationToken = default) => session.TouchAsync(Id, cancellationToken);
}
