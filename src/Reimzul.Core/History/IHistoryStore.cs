using Reimzul.Messages;

namespace Reimzul.History;

/// <summary>
/// The build history. Implementations: SQLite (embedded default), PostgreSQL and MongoDB
/// (<c>Reimzul.HistoryStores</c>); all are held to one contract test suite.
/// </summary>
/// <remarks>
/// Errors: an <see cref="ArgumentException"/> means the input can never be recorded (a bad event or
/// record) and retrying it is pointless. Anything else — typically <see cref="HistoryUnavailableException"/>
/// for a database that is down, unreachable or refuses the login — is transient: the caller may wait
/// and retry the same call, which is safe because every write is idempotent.
/// </remarks>
public interface IHistoryStore : IAsyncDisposable
{
    /// <summary>
    /// Records an event as the original notifier did: a Success/Failed result clears the previous
    /// <c>latest_build</c> of (srpm, target, arch), turns its own Building record into Done and
    /// becomes the latest. A redelivered event (same build_id, arch, timestamp and status) is
    /// recorded once; returns false for such a duplicate.
    /// </summary>
    Task<bool> RecordAsync(BuildEvent buildEvent, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records several events as <see cref="RecordAsync"/> would one after another, in order; for each, whether it was
    /// new. A store that can (SQLite, PostgreSQL) writes them in one transaction: all or none, one commit for all.
    /// </summary>
    async Task<IReadOnlyList<bool>> RecordManyAsync(IReadOnlyList<BuildEvent> buildEvents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(buildEvents);
        var recorded = new bool[buildEvents.Count];
        for (var i = 0; i < buildEvents.Count; i++)
        {
            recorded[i] = await RecordAsync(buildEvents[i], cancellationToken);
        }
        return recorded;
    }

    /// <summary>Whether this event (same build_id, arch, timestamp and status) is already recorded.</summary>
    Task<bool> ContainsAsync(BuildEvent buildEvent, CancellationToken cancellationToken = default);

    /// <summary>For each event, whether it is already recorded (as <see cref="ContainsAsync"/>); in one pass where the store can.</summary>
    async Task<IReadOnlyList<bool>> ContainsManyAsync(IReadOnlyList<BuildEvent> buildEvents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(buildEvents);
        var found = new bool[buildEvents.Count];
        for (var i = 0; i < buildEvents.Count; i++)
        {
            found[i] = await ContainsAsync(buildEvents[i], cancellationToken);
        }
        return found;
    }

    /// <summary>Records with <paramref name="status"/> (for anything but Building, only latest builds), optionally of one target; oldest first.</summary>
    Task<IReadOnlyList<BuildRecord>> QueryAsync(string status, string? target, CancellationToken cancellationToken = default);

    /// <summary>The latest build of every (srpm, arch) of <paramref name="target"/>, whatever its status; oldest first.</summary>
    Task<IReadOnlyList<BuildRecord>> LatestAsync(string target, CancellationToken cancellationToken = default);

    /// <summary>Sets the latest build of (srpm, target, arch) to Override with a comment; false when there is none.</summary>
    Task<bool> OverrideAsync(string srpm, string target, string arch, string comment, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds a record as it stands (an imported row of an older history: its status and latest_build are
    /// kept, nothing else changes). Recognised as the same record by <see cref="HistoryKeys.ArrivedStatus"/>
    /// and the event key, so importing twice adds nothing; returns false for a record already present.
    /// </summary>
    Task<bool> ImportAsync(BuildRecord record, CancellationToken cancellationToken = default);

    /// <summary>
    /// The current record of each build and arch — every record but the Done ones, which their result or a later
    /// attempt superseded — newest first, as <paramref name="query"/> filters them, one page at a time.
    /// </summary>
    /// <exception cref="ArgumentException">A limit out of range, or a cursor this store did not make.</exception>
    Task<BuildPage> ListAsync(BuildQuery query, CancellationToken cancellationToken = default);

    /// <summary>Every record of one build (its arches, attempts and results), oldest first; empty for an unknown id.</summary>
    Task<IReadOnlyList<BuildRecord>> BuildAsync(string buildId, CancellationToken cancellationToken = default);

    /// <summary>The Building records (builds under way, as far as the history knows), oldest first.</summary>
    Task<IReadOnlyList<BuildRecord>> BuildingAsync(CancellationToken cancellationToken = default);

    /// <summary>The builders that recorded an event at or after <paramref name="since"/>, with the time of their last one.</summary>
    Task<IReadOnlyList<BuilderSeen>> BuildersSeenAsync(DateTimeOffset since, CancellationToken cancellationToken = default);
}
