namespace Reimzul.Queue;

/// <summary>Takes jobs off tubes; each comes as a handle that finishes it.</summary>
public interface IJobConsumer : IAsyncDisposable
{
    /// <summary>
    /// Reserves the ready job with the lowest (priority, id) across <paramref name="tubes"/>, waiting up to
    /// <paramref name="timeout"/> (negative: for ever); null when none came. The tubes given become this
    /// session's watch list (what stats report as watching).
    /// </summary>
    Task<IReservedJob?> ReserveAsync(IReadOnlyCollection<string> tubes, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reserves as <see cref="ReserveAsync"/> does, then up to <paramref name="max"/> − 1 more jobs of these tubes that
    /// are ready now, in the same (priority, id) order; empty when none came. For a consumer that finishes several jobs
    /// in one step: a backend that can (the embedded queue) takes them in one transaction.
    /// </summary>
    async Task<IReadOnlyList<IReservedJob>> ReserveManyAsync(IReadOnlyCollection<string> tubes, int max, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var jobs = new List<IReservedJob>();
        for (var job = await ReserveAsync(tubes, timeout, cancellationToken); job is not null; job = await ReserveAsync(tubes, TimeSpan.Zero, cancellationToken))
        {
            jobs.Add(job);
            if (jobs.Count == max)
            {
                break;
            }
        }
        return jobs;
    }

    /// <summary>
    /// Deletes jobs this session reserved, in one step where the backend can; for each, whether it was still this
    /// session's (as <see cref="IReservedJob.DeleteAsync"/> answers).
    /// </summary>
    async Task<IReadOnlyList<bool>> DeleteManyAsync(IReadOnlyList<IReservedJob> jobs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var deleted = new bool[jobs.Count];
        for (var i = 0; i < jobs.Count; i++)
        {
            deleted[i] = await jobs[i].DeleteAsync(cancellationToken);
        }
        return deleted;
    }
}
