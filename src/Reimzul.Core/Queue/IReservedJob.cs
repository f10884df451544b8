namespace Reimzul.Queue;

/// <summary>
/// A job held by the session that reserved it until it is deleted, released or buried, its TTR runs out or the
/// session closes. Each action answers false when the job is no longer this session's (its TTR ran out and
/// another worker may have it, or the connection to the server was lost).
/// </summary>
public interface IReservedJob
{
    long Id { get; }

    string Tube { get; }

    uint Priority { get; }

    string Body { get; }

    /// <summary>
    /// How often the queue has handed this job out, this time included (1 the first time). The queue keeps the
    /// count, so it survives a restart of any worker and is the same whichever worker holds the job.
    /// </summary>
    int Deliveries { get; }

    /// <summary>Done: removes the job.</summary>
    Task<bool> DeleteAsync(CancellationToken cancellationToken = default);

    /// <summary>Back to ready, at its priority, after <paramref name="delay"/>.</summary>
    Task<bool> ReleaseAsync(TimeSpan delay, CancellationToken cancellationToken = default);

    /// <summary>Set aside for an operator (<c>reimzul buried</c>, <c>reimzul kick</c>); the reason is kept where the backend can keep it.</summary>
    Task<bool> BuryAsync(string reason, CancellationToken cancellationToken = default);

    /// <summary>Restarts the TTR: the job stays this session's while a long build runs.</summary>
    Task<bool> TouchAsync(CancellationToken cancellationToken = default);
}
