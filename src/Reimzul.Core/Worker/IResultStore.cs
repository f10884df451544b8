namespace Reimzul.Worker;

/// <summary>
/// Where a finished build's result dir goes: <c>repo/&lt;target&gt;/&lt;pkgname&gt;/&lt;timestamp&gt;/&lt;evr&gt;.&lt;arch&gt;/</c>
/// on the store. Atomic for readers: they see no result, or a whole one. Errors of transport or
/// storage (e.g. <see cref="IOException"/> for a full disk) reach the caller unchanged.
/// </summary>
public interface IResultStore
{
    Task StoreAsync(StoredResult result, CancellationToken cancellationToken);
}

/// <summary>A local result dir and the names that place it in the repo. The names come from messages and are checked.</summary>
/// <param name="ResultDir">The builder's local result dir (RPMs, build.log, root.log, ...); consumed by a successful store.</param>
public sealed record StoredResult(string ResultDir, string Target, string PkgName, string Timestamp, string Evr, string Arch);
