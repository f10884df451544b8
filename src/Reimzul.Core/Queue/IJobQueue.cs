namespace Reimzul.Queue;

/// <summary>
/// One client session on a beanstalkd-style work queue. Reservations belong to the session
/// that made them: closing (disposing) a session returns its reserved jobs to ready at once,
/// as beanstalkd does when a connection closes. A session is used by one task at a time.
/// </summary>
public interface IJobQueue : IAsyncDisposable
{
    /// <summary>Puts a job on <paramref name="tube"/>; returns its id. Lower priority runs first.</summary>
    Task<long> PutAsync(string tube, string body, uint priority, TimeSpan delay, TimeSpan ttr, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reserves the ready job with the lowest (priority, id) across <paramref name="tubes"/>,
    /// waiting up to <paramref name="timeout"/>; null when none came. The tubes given become
    /// this session's watch list (what stats report as watching).
    /// </summary>
    Task<ReservedJob?> ReserveAsync(IReadOnlyCollection<string> tubes, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Deletes a job reserved by this session, or any ready, delayed or buried job. False when not found.</summary>
    Task<bool> DeleteAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Returns a job reserved by this session to ready (or delayed). False when not found.</summary>
    Task<bool> ReleaseAsync(long id, uint priority, TimeSpan delay, CancellationToken cancellationToken = default);

    /// <summary>Buries a job reserved by this session. False when not found.</summary>
    Task<bool> BuryAsync(long id, uint priority, CancellationToken cancellationToken = default);

    /// <summary>Restarts the TTR of a job reserved by this session. False when not found.</summary>
    Task<bool> TouchAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Moves up to <paramref name="bound"/> buried jobs (or, when none are buried, delayed jobs) of a tube to ready; returns how many.</summary>
    Task<int> KickAsync(string tube, int bound, CancellationToken cancellationToken = default);

    /// <summary>Figures for one tube; a tube that does not exist reports zeros.</summary>
    Task<TubeStats> StatsTubeAsync(string tube, CancellationToken cancellationToken = default);

    /// <summary>Tubes that currently exist (hold jobs or are watched).</summary>
    Task<IReadOnlyList<string>> ListTubesAsync(CancellationToken cancellationToken = default);
}
