namespace Reimzul.Queue;

/// <summary>Puts jobs on tubes.</summary>
public interface IJobProducer : IAsyncDisposable
{
    /// <summary>Puts a job on <paramref name="tube"/>; returns its id. Lower priority runs first.</summary>
    Task<long> PutAsync(string tube, string body, uint priority, TimeSpan delay, TimeSpan ttr, CancellationToken cancellationToken = default);

    /// <summary>
    /// Puts every job; returns their ids in order. The embedded queue puts them in one transaction (all or none);
    /// beanstalkd has no transaction, so there they go in one after another on this session and a failure part way
    /// leaves the earlier ones queued (the exception says how many).
    /// </summary>
    async Task<IReadOnlyList<long>> PutManyAsync(IReadOnlyList<JobToPut> jobs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var ids = new List<long>(jobs.Count);
        foreach (var job in jobs)
        {
            try
            {
                ids.Add(await PutAsync(job.Tube, job.Body, job.Priority, job.Delay, job.Ttr, cancellationToken));
            }
            catch (Exception ex) when (ids.Count > 0 && ex is not OperationCanceledException)
            {
                throw new PartlyPutException(ids, ex);
            }
        }
        return ids;
    }

    /// <summary>
    /// The priority of the job a reserve on <paramref name="tube"/> alone would get now, or null when none is ready:
    /// what a producer needs to place a job among those waiting (fair share). A session that cannot tell says null.
    /// </summary>
    Task<uint?> NextReadyPriorityAsync(string tube, CancellationToken cancellationToken = default) => Task.FromResult<uint?>(null);
}

/// <summary>A <see cref="IJobProducer.PutManyAsync"/> that failed after some jobs went in (a backend without transactions).</summary>
public sealed class PartlyPutException(IReadOnlyList<long> putIds, Exception innerException)
    : Exception($"{putIds.Count} job(s) went in (ids {string.Join(", ", putIds)}) before a put failed: {innerException.Message}", innerException)
{
    public IReadOnlyList<long> PutIds { get; } = putIds;
}
