using Microsoft.Extensions.Logging;
using Reimzul.Config;
using Reimzul.Files;
using Reimzul.Messages;

namespace Reimzul.Signing;

/// <summary>
/// Stages the RPMs of a finished build in <c>tosign/&lt;target&gt;/</c> for signing. Idempotent, so a
/// redelivered request does no harm; every file appears there whole or not at all.
/// </summary>
public sealed class Signer(ReimzulPaths paths, ILogger logger)
{
    /// <summary>
    /// Copies every <c>*.rpm</c> under <c>repo/&lt;target&gt;/&lt;pkgname&gt;/&lt;timestamp&gt;/</c>, or only under its
    /// <c>&lt;evr&gt;.&lt;arch&gt;/</c> when <see cref="TosignRequest.Evr"/> is set. Throws <see cref="ArgumentException"/>
    /// for names that are not plain path segments.
    /// </summary>
    public async Task<SignerReport> StageAsync(TosignRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var buildDir = BuildDir(request);
        if (!Directory.Exists(buildDir))
        {
            logger.LogWarning("nothing to stage for signing: {BuildDir} does not exist", buildDir);
            return new SignerReport(buildDir, false, [], [], []);
        }

        var destinationDir = PathSegments.Under(paths.Tosign, request.Target);
        Directory.CreateDirectory(destinationDir);
        var staged = new List<string>();
        var skipped = new List<string>();
        var conflicts = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var source in RpmsUnder(buildDir))
        {
            var name = Path.GetFileName(source);
            if (!seen.Add(name))
            {
                // Staging both would make every repeat replace one with the other.
                logger.LogWarning("{Source} has the same name as an RPM already staged from this build; not staged", source);
                conflicts.Add(name);
                continue;
            }
            var destination = Path.Combine(destinationDir, name);
            if (await SameContentAsync(source, destination, cancellationToken))
            {
                skipped.Add(name);
                continue;
            }
            await DurableFiles.CopyAsync(source, destination, cancellationToken);
            staged.Add(name);
        }
        if (staged.Count > 0)
        {
            DurableFiles.FsyncDirectory(destinationDir);
        }
        logger.LogInformation("staged {Staged} RPM(s) of {BuildDir} for signing, {Skipped} already there", staged.Count, buildDir, skipped.Count);
        return new SignerReport(buildDir, true, staged, skipped, conflicts);
    }

    private string BuildDir(TosignRequest request)
    {
        var target = PathSegments.Check(request.Target, "target");
        var pkgName = PathSegments.CheckPkgName(request.PkgName);
        var timestamp = PathSegments.Check(request.Timestamp, "timestamp");
        if (string.IsNullOrEmpty(request.Evr))
        {
            return PathSegments.Under(paths.Repo, target, pkgName, timestamp);
        }
        PathSegments.Check(request.Evr, "evr");
        PathSegments.Check(request.Arch, "arch");
        var evrArch = PathSegments.Check(request.Evr + "." + request.Arch, "evr.arch");
        return PathSegments.Under(paths.Repo, target, pkgName, timestamp, evrArch);
    }

    /// <summary>Regular files only, in a stable order; a symlink in a build result is not followed out of the repo.</summary>
    private static IEnumerable<string> RpmsUnder(string dir) =>
        Directory.EnumerateFiles(dir, "*.rpm", new EnumerationOptions { RecurseSubdirectories = true, MatchType = MatchType.Simple, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = false })
            .Order(StringComparer.Ordinal);

    private static async Task<bool> SameContentAsync(string source, string destination, CancellationToken cancellationToken)
    {
        var existing = new FileInfo(destination);
        if (!existing.Exists || existing.Length != new FileInfo(source).Length)
        {
            return false;
        }
        const int chunk = 1 << 16;
        var a = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, chunk, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (a.ConfigureAwait(false))
        {
            var b = new FileStream(destination, FileMode.Open, FileAccess.Read, FileShare.Read, chunk, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (b.ConfigureAwait(false))
            {
                var bufferA = new byte[chunk];
                var bufferB = new byte[chunk];
                while (true)
                {
                    var readA = await a.ReadAtLeastAsync(bufferA, chunk, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                    var readB = await b.ReadAtLeastAsync(bufferB, chunk, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                    if (readA != readB || !bufferA.AsSpan(0, readA).SequenceEqual(bufferB.AsSpan(0, readB)))
                    {
                        return false;
                    }
                    if (readA == 0)
                    {
                        return true;
                    }
                }
            }
        }
    }
}
