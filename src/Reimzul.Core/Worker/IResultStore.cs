namespace Reimzul.Worker;

/// <summary>
/// Where a finished build's result dir goes: <c>repo/&lt;target&gt;/&lt;pkgname&gt;/&lt;timestamp&gt;/&lt;evr&gt;.&lt;arch&gt;/</c>
/// on the store. Atomic for readers: they see no result, or a whole one. A store also hands out each build's timestamp
/// (<see cref="ReserveTimestampAsync"/>) and says what of a build it holds already (<see cref="FindStoredAsync"/>), so a
/// redelivered job resumes where its earlier delivery stopped instead of publishing its packages a second time.
/// Errors reach the caller unchanged, and their type says whether the same call again can succeed:
/// <list type="bullet">
/// <item>permanent — the store refuses this result and always will; the worker ends the build
/// <c>Failed</c> with the message and deletes the job: <see cref="ArgumentException"/> (a name the
/// store refuses, e.g. the reserved pkgname <c>repodata</c>), <see cref="InvalidDataException"/> (a
/// result that can never be stored: a symlink or subdirectory in it, its place taken by a different
/// result, a package the target already publishes from another build), <see cref="Protocol.RemoteServiceException"/>
/// with a 4xx status other than 408 and 429 (the service refused the writer or the upload: 401, 403, 409, 413, 422, ...);</item>
/// <item>transient — anything else, e.g. <see cref="IOException"/> (a full disk, a lost connection, an
/// upload that never arrived intact), <see cref="HttpRequestException"/>, a 5xx, 408 or 429, a timeout;
/// the worker releases the job to be built again with back-off.</item>
/// </list>
/// </summary>
public interface IResultStore
{
    /// <summary>
    /// The timestamp of build <see cref="TimestampReservation.BuildId"/>: the proposed one, or the next second free for
    /// its target and package, taken atomically (no two builds of a package in a target ever share one, whichever
    /// worker or host asks); the same build id always gets the timestamp it got first.
    /// </summary>
    Task<string> ReserveTimestampAsync(TimestampReservation reservation, CancellationToken cancellationToken);

    /// <summary>The outcome of the result stored at <paramref name="place"/>, or null when nothing is stored there.</summary>
    Task<StoredOutcome?> FindStoredAsync(ResultPlace place, CancellationToken cancellationToken);

    Task StoreAsync(StoredResult result, CancellationToken cancellationToken);
}

/// <param name="ProposedTimestamp"><c>%Y%m%d%H%M%S</c>, the worker's local time when it took the job.</param>
public sealed record TimestampReservation(string Target, string PkgName, string BuildId, string ProposedTimestamp);

/// <summary>Where one arch of a build goes: <c>TARGET/PKGNAME/TIMESTAMP/EVR.ARCH/</c>.</summary>
public sealed record ResultPlace(string Target, string PkgName, string Timestamp, string Evr, string Arch);

/// <summary>A local result dir and the names that place it in the repo. The names come from messages and are checked.</summary>
/// <param name="ResultDir">The builder's local result dir (RPMs, build.log, root.log, ...); consumed by a successful store.</param>
/// <param name="Replace">The submitter asked to replace whatever build of another timestamp the target publishes the same
/// packages (name, epoch, version, release, arch) from; without it such a result is refused.</param>
public sealed record StoredResult(string ResultDir, string Target, string PkgName, string Timestamp, string Evr, string Arch, bool Replace = false)
{
    public ResultPlace Place => new(Target, PkgName, Timestamp, Evr, Arch);
}
