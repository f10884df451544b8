using Reimzul.Messages;

namespace Reimzul.History;

/// <summary>The build history. Implementations: SQLite (embedded default); others follow the same semantics.</summary>
public interface IHistoryStore : IAsyncDisposable
{
    /// <summary>
    /// Records an event as the original notifier did: a Success/Failed result clears the previous
    /// <c>latest_build</c> of (srpm, target, arch), turns its own Building record into Done and
    /// becomes the latest. A redelivered event (same build_id, arch, timestamp and status) is
    /// recorded once; returns false for such a duplicate.
    /// </summary>
    Task<bool> RecordAsync(BuildEvent buildEvent, CancellationToken cancellationToken = default);

    /// <summary>Whether this event (same build_id, arch, timestamp and status) is already recorded.</summary>
    Task<bool> ContainsAsync(BuildEvent buildEvent, CancellationToken cancellationToken = default);

    /// <summary>Records with <paramref name="status"/> (for anything but Building, only latest builds), optionally of one target; oldest first.</summary>
    Task<IReadOnlyList<BuildRecord>> QueryAsync(string status, string? target, CancellationToken cancellationToken = default);

    /// <summary>Sets the latest build of (srpm, target, arch) to Override with a comment; false when there is none.</summary>
    Task<bool> OverrideAsync(string srpm, string target, string arch, string comment, CancellationToken cancellationToken = default);
}
