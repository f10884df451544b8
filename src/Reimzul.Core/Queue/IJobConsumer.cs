namespace Reimzul.Queue;

/// <summary>Takes jobs off tubes, one at a time; each comes as a handle that finishes it.</summary>
public interface IJobConsumer : IAsyncDisposable
{
    /// <summary>
    /// Reserves the ready job with the lowest (priority, id) across <paramref name="tubes"/>, waiting up to
    /// <paramref name="timeout"/> (negative: for ever); null when none came. The tubes given become this
    /// session's watch list (what stats report as watching).
    /// </summary>
    Task<IReservedJob?> ReserveAsync(IReadOnlyCollection<string> tubes, TimeSpan timeout, CancellationToken cancellationToken = default);
}
