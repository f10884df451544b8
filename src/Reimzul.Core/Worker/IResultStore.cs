namespace Reimzul.Worker;

/// <summary>
/// Where a finished build's result dir goes: <c>repo/&lt;target&gt;/&lt;pkgname&gt;/&lt;timestamp&gt;/&lt;evr&gt;.&lt;arch&gt;/</c>
/// on the store. Atomic for readers: they see no result, or a whole one. Errors reach the caller
/// unchanged, and their type says whether storing the same result again can succeed:
/// <list type="bullet">
/// <item>permanent — the store refuses this result and always will; the worker ends the build
/// <c>Failed</c> with the message and deletes the job: <see cref="ArgumentException"/> (a name the
/// store refuses, e.g. the reserved pkgname <c>repodata</c>), <see cref="InvalidDataException"/> (a
/// result that can never be stored: a symlink or subdirectory in it, its place taken by a different
/// result), <see cref="Protocol.RemoteServiceException"/> with a 4xx status other than 408 and 429
/// (the service refused the writer or the upload: 401, 403, 409, 413, 422, ...);</item>
/// <item>transient — anything else, e.g. <see cref="IOException"/> (a full disk, a lost connection, an
/// upload that never arrived intact), <see cref="HttpRequestException"/>, a 5xx, 408 or 429, a timeout;
/// the worker releases the job to be built again with back-off.</item>
/// </list>
/// </summary>
public interface IResultStore
{
    Task StoreAsync(StoredResult result, CancellationToken cancellationToken);
}

/// <summary>A local result dir and the names that place it in the repo. The names come from messages and are checked.</summary>
/// <param name="ResultDir">The builder's local result dir (RPMs, build.log, root.log, ...); consumed by a successful store.</param>
public sealed record StoredResult(string ResultDir, string Target, string PkgName, string Timestamp, string Evr, string Arch);
