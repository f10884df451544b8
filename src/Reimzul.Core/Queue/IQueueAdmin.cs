namespace Reimzul.Queue;

/// <summary>What an operator asks of the queue: figures, buried jobs, and kicking them back.</summary>
public interface IQueueAdmin : IAsyncDisposable
{
    /// <summary>Tubes that currently exist (hold jobs or are watched).</summary>
    Task<IReadOnlyList<string>> ListTubesAsync(CancellationToken cancellationToken = default);

    /// <summary>Figures for one tube; a tube that does not exist reports zeros.</summary>
    Task<TubeStats> StatsTubeAsync(string tube, CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to <paramref name="limit"/> buried jobs of <paramref name="tube"/>, the next to be kicked first. beanstalkd
    /// shows only the next one (its protocol has no listing) and keeps no reason.
    /// </summary>
    Task<IReadOnlyList<BuriedJob>> BuriedAsync(string tube, int limit, CancellationToken cancellationToken = default);

    /// <summary>Moves up to <paramref name="bound"/> buried jobs (or, when none are buried, delayed jobs) of a tube to ready; returns how many.</summary>
    Task<int> KickAsync(string tube, int bound, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes job <paramref name="id"/> of <paramref name="tube"/> if it is waiting (ready, delayed or buried) and
    /// <paramref name="isIt"/> accepts its body; returns the body deleted, or null. A job a consumer holds is left to it,
    /// and the body check keeps an id that a restarted server without a binlog gave to another job safe.
    /// </summary>
    Task<string?> DeleteWaitingAsync(string tube, long id, Func<string, bool> isIt, CancellationToken cancellationToken = default);
}
