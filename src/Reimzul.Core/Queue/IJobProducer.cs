namespace Reimzul.Queue;

/// <summary>Puts jobs on tubes.</summary>
public interface IJobProducer : IAsyncDisposable
{
    /// <summary>Puts a job on <paramref name="tube"/>; returns its id. Lower priority runs first.</summary>
    Task<long> PutAsync(string tube, string body, uint priority, TimeSpan delay, TimeSpan ttr, CancellationToken cancellationToken = default);

    /// <summary>
    /// Puts several jobs, in order; returns their ids. A backend that can (the embedded queue) puts them in one
    /// transaction: all or none.
    /// </summary>
    async Task<IReadOnlyList<long>> PutManyAsync(IReadOnlyList<JobToPut> jobs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var ids = new long[jobs.Count];
        for (var i = 0; i < jobs.Count; i++)
        {
            var job = jobs[i];
            ids[i] = await PutAsync(job.Tube, job.Body, job.Priority, job.Delay, job.Ttr, cancellationToken);
        }
        return ids;
    }
}
