using Microsoft.Extensions.Logging;
using Reimzul.Config;
using Reimzul.Files;
using Reimzul.Protocol;
using Reimzul.Worker;

namespace Reimzul.ResultStores;

/// <summary>
/// The one-machine transport: the result dir is moved (or, across filesystems, copied) into the
/// staging dir, which shares the repo's filesystem, then renamed into its final place. A published result is never
/// replaced: the same files again are accepted as done, different ones refused with <see cref="InvalidDataException"/>.
/// No package (name, epoch, version, release, arch) is published twice in a target: a result holding one that another
/// build of the target publishes is refused, unless the submitter asked to replace that build, which then moves out of
/// the repo into <c>attic/TARGET/PKGNAME/TIMESTAMP/</c> beside it (see <see cref="TargetLedger"/>).
/// </summary>
public sealed class LocalResultStore(ReimzulPaths paths, ILogger logger) : IResultStore
{
    // errno of a rename across filesystems, which .NET reports as IOException.HResult on Unix.
    private const int CrossDevice = 18;

    // Two stores of the same result racing: each round, one of them wins the final name.
    private const int PublishAttempts = 5;

    /// <exception cref="ArgumentException">A name is not usable, or the proposed timestamp is not <c>%Y%m%d%H%M%S</c>.</exception>
    public async Task<string> ReserveTimestampAsync(TimestampReservation reservation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        var target = PathSegments.Check(reservation.Target, "target");
        var pkgName = PathSegments.CheckPkgName(reservation.PkgName);
        ArgumentException.ThrowIfNullOrEmpty(reservation.BuildId);
        TargetLedger.ParseTimestamp(reservation.ProposedTimestamp);
        using var ledger = await TargetLedger.LockAsync(paths.Repo, target, cancellationToken);
        var timestamp = ledger.ReserveTimestamp(pkgName, reservation.BuildId, reservation.ProposedTimestamp);
        if (timestamp != reservation.ProposedTimestamp)
        {
            logger.LogInformation("build {BuildId} of {Pkg} in {Target} has timestamp {Timestamp} ({Proposed} was taken)",
                reservation.BuildId, pkgName, target, timestamp, reservation.ProposedTimestamp);
        }
        return timestamp;
    }

    public async Task<StoredOutcome?> FindStoredAsync(ResultPlace place, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(place);
        var file = Path.Combine(FinalDir(place), StoredOutcome.FileName);
        try
        {
            return StoredOutcome.TryParse(await File.ReadAllTextAsync(file, cancellationToken), out var outcome) ? outcome : null;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <exception cref="InvalidDataException">The result dir holds a symbolic link or an <c>*.rpm</c> that is not one, a different result is
    /// published at the result's place (its message says the place <see cref="ResultManifests.TakenByADifferentResult"/>), or another build of the
    /// target publishes one of its packages and <see cref="StoredResult.Replace"/> is not set (<see cref="ResultManifests.AlreadyPublishedWords"/>);
    /// storing it again will not help.</exception>
    public async Task StoreAsync(StoredResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        var final = FinalDir(result.Place);
        if (string.IsNullOrEmpty(result.ResultDir))
        {
            throw new ArgumentException("result dir is empty", nameof(result));
        }
        var source = Path.GetFullPath(result.ResultDir);
        if (!Directory.Exists(source))
        {
            throw new DirectoryNotFoundException($"result dir {source} does not exist");
        }
        if (ResultManifests.FindLink(source) is { } link)
        {
            throw new InvalidDataException($"result dir {source}: {link}; a result is regular files only");
        }

        Directory.CreateDirectory(paths.Staging);
        var staged = Path.Combine(paths.Staging, Guid.NewGuid().ToString("N"));
        var copied = false;
        try
        {
            Directory.Move(source, staged);
        }
        catch (IOException ex) when (ex.HResult == CrossDevice)
        {
            await CopyTreeAsync(source, staged, cancellationToken);
            copied = true;
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            using var ledger = await TargetLedger.LockAsync(paths.Repo, result.Target, cancellationToken);
            var owner = Path.GetRelativePath(Path.Combine(paths.Repo, result.Target), final);
            var elsewhere = ledger.FindPublishedElsewhere(staged, owner, out var packages);
            if (elsewhere.Count > 0 && !result.Replace)
            {
                var (nevra, build) = elsewhere[0];
                throw new InvalidDataException(ResultManifests.AlreadyPublished(nevra, result.Target, build));
            }
            foreach (var build in elsewhere.Select(e => e.Build).Distinct(StringComparer.Ordinal))
            {
                MoveToAttic(result.Target, build);
            }
            await PublishAsync(staged, final, cancellationToken);
            ledger.Claim(packages, owner);
        }
        catch
        {
            if (copied)
            {
                // The source is intact; the copy is a spare.
                TryDeleteTree(staged);
            }
            else
            {
                // Hand the result back, so a retry finds it where it was.
                TryMove(staged, source);
            }
            throw;
        }

        if (copied)
        {
            try
            {
                Directory.Delete(source, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The result is in place; a leftover source costs space, not correctness.
                logger.LogWarning("stored {Final} but could not remove the source {Source}: {Reason}", final, source, ex.Message);
            }
        }
        logger.LogInformation("stored result {Final}", final);
    }

    /// <summary>Takes build <paramref name="build"/> (<c>PKGNAME/TIMESTAMP</c>) of <paramref name="target"/> out of the repo: createrepo_c's next run drops it.</summary>
    private void MoveToAttic(string target, string build)
    {
        var from = Path.Combine(paths.Repo, target, build);
        var attic = Path.Combine(Path.GetDirectoryName(paths.Repo) ?? paths.DataDir, "attic", target, build);
        Directory.CreateDirectory(Path.GetDirectoryName(attic)!);
        var to = attic;
        for (var n = 2; Directory.Exists(to); n++)
        {
            to = attic + "." + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        Directory.Move(from, to);
        DurableFiles.FsyncDirectory(Path.GetDirectoryName(from)!);
        logger.LogWarning("replaced build {Build} of {Target}: moved out of the repo to {Attic}", build, target, to);
    }

    private string FinalDir(ResultPlace result)
    {
        var target = PathSegments.Check(result.Target, "target");
        var pkgName = PathSegments.CheckPkgName(result.PkgName);
        var timestamp = PathSegments.Check(result.Timestamp, "timestamp");
        PathSegments.Check(result.Evr, "evr");
        PathSegments.Check(result.Arch, "arch");
        var evrArch = PathSegments.Check(result.Evr + "." + result.Arch, "evr.arch");
        return PathSegments.Under(paths.Repo, target, pkgName, timestamp, evrArch);
    }

    /// <summary>
    /// Renames <paramref name="staged"/> to <paramref name="final"/>. A result already there is never replaced (the
    /// repodata and the signer know its checksums): the same files again are a retried store, done already; different
    /// ones are refused.
    /// </summary>
    private async Task PublishAsync(string staged, string final, CancellationToken cancellationToken)
    {
        var parent = Path.GetDirectoryName(final)!;
        for (var attempt = 1; ; attempt++)
        {
            if (Directory.Exists(final))
            {
                if (!await SameFilesAsync(staged, final, cancellationToken))
                {
                    throw new InvalidDataException(ResultManifests.LocationTaken(Path.GetRelativePath(paths.Repo, final) + "/"));
                }
                logger.LogInformation("result {Final} is already in place", final);
                TryDeleteTree(staged);
                return;
            }
            try
            {
                Directory.Move(staged, final);
            }
            catch (IOException) when (Directory.Exists(final) && attempt < PublishAttempts)
            {
                // Another store of the same place got in between; the next round compares with what it stored.
                continue;
            }
            DurableFiles.FsyncDirectory(parent);
            return;
        }
    }

    /// <summary>Both dirs hold the same names with the same sizes and SHA-256s.</summary>
    private static async Task<bool> SameFilesAsync(string left, string right, CancellationToken cancellationToken)
    {
        static List<string> Names(string dir) =>
            [.. Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f)).Order(StringComparer.Ordinal)];
        var names = Names(left);
        if (!names.SequenceEqual(Names(right)))
        {
            return false;
        }
        foreach (var name in names)
        {
            string l = Path.Combine(left, name), r = Path.Combine(right, name);
            if (Directory.Exists(l) || Directory.Exists(r))
            {
                if (Directory.Exists(l) != Directory.Exists(r))
                {
                    return false;
                }
                continue;
            }
            if (new FileInfo(l).Length != new FileInfo(r).Length
                || await FileDigest.Sha256HexAsync(l, cancellationToken) != await FileDigest.Sha256HexAsync(r, cancellationToken))
            {
                return false;
            }
        }
        return true;
    }

    private static async Task CopyTreeAsync(string source, string destination, CancellationToken cancellationToken)
    {
        try
        {
            Directory.CreateDirectory(destination);
            foreach (var dir in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
            {
                Directory.CreateDirectory(Path.Combine(destination, Path.GetRelativePath(source, dir)));
            }
            foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            {
                await DurableFiles.CopyAsync(file, Path.Combine(destination, Path.GetRelativePath(source, file)), cancellationToken);
            }
        }
        catch
        {
            TryDeleteTree(destination);
            throw;
        }
    }

    private void TryMove(string from, string to)
    {
        try
        {
            Directory.Move(from, to);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.LogError("could not move {From} back to {To}: {Reason}", from, to, ex.Message);
        }
    }

    private static void TryDeleteTree(string? dir)
    {
        if (dir is null)
        {
            return;
        }
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Staging leftovers take space only; the result itself is intact or reported failed.
        }
    }
}
