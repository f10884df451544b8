namespace Reimzul.Queue;

/// <summary>What a backend's session does for the jobs it reserved; a <see cref="ReservedJob"/> acts through it.</summary>
internal interface IJobHolder
{
    Task<bool> DeleteAsync(long id, CancellationToken cancellationToken);

    Task<bool> ReleaseAsync(long id, uint priority, TimeSpan delay, CancellationToken cancellationToken);

    Task<bool> BuryAsync(long id, uint priority, string reason, CancellationToken cancellationToken);

    Task<bool> TouchAsync(long id, CancellationToken cancellationToken);
}

/// <summary>A job reserved by one session of either backend; its actions go through that session.</summary>
internal sealed class ReservedJob(IJobHolder session, long id, string tube, uint priority, string body, int deliveries) : IReservedJob
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
