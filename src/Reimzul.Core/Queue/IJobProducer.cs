namespace Reimzul.Queue;

/// <summary>Puts jobs on tubes.</summary>
public interface IJobProducer : IAsyncDisposable
{
    /// <summary>Puts a job on <paramref name="tube"/>; returns its id. Lower priority runs first.</summary>
    Task<long> PutAsync(string tube, string body, uint priority, TimeSpan delay, TimeSpan ttr, CancellationToken cancellationToken = default);
}
