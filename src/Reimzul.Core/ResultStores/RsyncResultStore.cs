using System.Globalization;
using Microsoft.Extensions.Logging;
using Reimzul.Config;
using Reimzul.Files;
using Reimzul.Processes;
using Reimzul.Protocol;
using Reimzul.Retry;
using Reimzul.Rpm;
using Reimzul.Validation;
using Reimzul.Worker;

namespace Reimzul.ResultStores;

/// <summary>
/// The many-machine transport: pushes a result dir to the bstore's rsync daemon, whose module holds
/// <c>repo/</c> (on the bstore, <c>/srv/reimzul/bstore</c>), as the original's
/// <c>rsync -a --port=11874 ... host::reimzul-bstore/repo/...</c> did, in three runs:
/// <list type="number">
/// <item>upload the files to <c>.staging/ID/</c> in the module, outside <c>repo/</c>, so createrepo_c never sees them;</item>
/// <item>publish into <c>repo/TARGET/PKGNAME/TIMESTAMP/EVR.ARCH/</c> by hard-linking the staged files;</item>
/// <item>verify by checksum that the final dir holds exactly the result's files.</item>
/// </list>
/// An rsync daemon cannot rename a directory, so publication is not one atomic step: while the publish
/// run links the files (milliseconds, no data transfer) a reader can see some of them, and a retried
/// result replaces the earlier one file by file. A createrepo_c run that catches that moment indexes
/// part of the build; the run the worker requests after this store returns indexes all of it.
/// Failed tries are retried with back-off (the daemon restarting, the network); when every try fails,
/// the files differ, or rsync cannot work at all, <see cref="RsyncTransferException"/> is thrown, so the
/// worker never announces a result that did not arrive. Staging dirs of results that never arrived stay
/// behind; the bstore ages them out (see systemd/reimzul.tmpfiles.conf).
/// Timestamps are reserved in the module too (<see cref="ReserveTimestampAsync"/>), and so is each package of a result
/// before it is published (<see cref="ClaimPackagesAsync"/>): a package another build of the target publishes is refused
/// with <see cref="InvalidDataException"/>, as by the local store, unless <see cref="StoredResult.Replace"/> asks to move
/// that build to <c>attic/</c>. A claim left by a store that failed and could not take it back holds the package while
/// that build's timestamp dir is in the repo; the build's own redelivery reuses it.
/// </summary>
public sealed class RsyncResultStore : IResultStore
{
    private const string RepoDir = "repo";

    // Next to repo/, as the local store's: where replaced builds go, out of createrepo_c's reach.
    private const string AtticDir = "attic";

    // Next to repo/, as the local store's staging dir: same filesystem, so publishing links rather than copies.
    private const string StagingRoot = ".staging";

    // Exit codes another try cannot change: usage (1; e.g. an option the daemon's rsync lacks),
    // protocol incompatibility (2), action not supported (4).
    private static readonly int[] PermanentExitCodes = [1, 2, 4];

    private const int CouldNotStart = -1;

    // rsync's "some files were not transferred", which is how it reports a file or dir that does not exist.
    private const int PartialTransfer = 23;

    private readonly RsyncOptions _options;
    private readonly ProcessRunner _runner;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly string _moduleUrl;
    private readonly RsyncCommands _commands;
    private readonly RetryPolicy _retry;

    /// <exception cref="ArgumentException"><see cref="RsyncOptions.ModuleUrl"/> is not a usable <c>rsync://</c> URL, or a count or delay is out of range.</exception>
    public RsyncResultStore(RsyncOptions options, ProcessRunner runner, ILogger logger, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Attempts, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.RetryDelay, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxRetryDelay, options.RetryDelay, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.IoTimeout, TimeSpan.Zero, nameof(options));
        _options = options;
        _runner = runner;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
        _moduleUrl = RsyncModuleUrl.Normalize(options.ModuleUrl);
        _commands = new RsyncCommands(options, _moduleUrl);
        _retry = new RetryPolicy(options.RetryDelay, options.MaxRetryDelay) { MaxAttempts = options.Attempts };
    }

    public async Task StoreAsync(StoredResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        var finalPath = FinalPath(result);
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

        var owner = OwnerOf(result);
        var claims = await ClaimPackagesAsync(result, source, owner, cancellationToken);
        var stagingId = Guid.NewGuid().ToString("N");
        var stagingPath = StagingRoot + "/" + stagingId;
        var schedule = _retry.Start(_time);
        while (await TryTransferAsync(source, stagingPath, finalPath, cancellationToken) is { } failure)
        {
            var decision = failure.Permanent ? null : schedule.Failed();
            if (decision is null || decision.GivesUp)
            {
                if (failure.ExitCode != CouldNotStart)
                {
                    await RemoveStagingAsync(stagingId, cancellationToken);
                    await ReleaseAsync(claims, claims.Placed, cancellationToken);
                }
                var tries = decision is null ? "" : " " + decision.GiveUpReason;
                throw new RsyncTransferException($"{result.PkgName} {result.Evr}.{result.Arch} for {result.Target} did not arrive at {_commands.Url(finalPath)}{tries}: {failure.Describe()}");
            }
            _logger.LogWarning("upload of {Final} failed (try {Attempt} of {Attempts}): {Failure}; trying again in {Delay:0.0} s",
                finalPath, decision.Failures, _options.Attempts, failure.Describe(), decision.Delay.TotalSeconds);
            await Task.Delay(decision.Delay, _time, cancellationToken);
        }

        // The result has arrived: a stop asked for now must not turn that into a failure.
        await RemoveStagingAsync(stagingId, CancellationToken.None);
        await RecordClaimsAsync(claims);
        try
        {
            Directory.Delete(source, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The result is on the bstore; a leftover local copy costs space, not correctness.
            _logger.LogWarning("stored {Final} but could not remove the source {Source}: {Reason}", finalPath, source, ex.Message);
        }
        _logger.LogInformation("stored result {Url}", _commands.Url(finalPath));
    }

    /// <summary>
    /// Reserves by marker, as a daemon module offers no exclusive create: the build leaves
    /// <c>.reserved-KEY</c> in the candidate dir, then lists it, and has the timestamp only when its marker is all the dir
    /// holds. Of two builds racing for one second, the one that listed after both markers arrived sees two, so at
    /// most one ever wins (both may lose and move on to the next second). The timestamp is recorded under
    /// <c>repo/TARGET/.reimzul/builds/</c> for the build's redeliveries, as the local store records it.
    /// </summary>
    /// <exception cref="ArgumentException">A name is not usable, or the proposed timestamp is not <c>%Y%m%d%H%M%S</c>.</exception>
    /// <exception cref="RsyncTransferException">The daemon stayed unreachable.</exception>
    public async Task<string> ReserveTimestampAsync(TimestampReservation reservation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        var target = PathSegments.Check(reservation.Target, "target");
        var pkgName = PathSegments.CheckPkgName(reservation.PkgName);
        ArgumentException.ThrowIfNullOrEmpty(reservation.BuildId);
        var time = TargetLedger.ParseTimestamp(reservation.ProposedTimestamp);
        var marker = TargetLedger.ReservationMarker(reservation.BuildId);
        var record = $"{RepoDir}/{target}/.reimzul/builds/{TargetLedger.BuildRecordKey(pkgName, reservation.BuildId)}";
        string Dir(string timestamp) => $"{RepoDir}/{target}/{pkgName}/{timestamp}";

        if (await DownloadTextAsync(record, cancellationToken) is { } text && text.Trim() is { Length: 14 } earlier
            && (await ListAsync(Dir(earlier), cancellationToken))?.Contains(marker) == true)
        {
            return earlier;
        }
        for (var bump = 0; bump < 86_400; bump++, time = time.AddSeconds(1))
        {
            var candidate = time.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
            var before = await ListAsync(Dir(candidate), cancellationToken);
            if (before is { Count: > 0 } && !before.SequenceEqual([marker]))
            {
                continue;
            }
            await UploadTextAsync(Dir(candidate) + "/" + marker, reservation.BuildId + "\n", cancellationToken);
            if (await ListAsync(Dir(candidate), cancellationToken) is [var only] && only == marker)
            {
                await UploadTextAsync(record, candidate + "\n", cancellationToken);
                return candidate;
            }
        }
        throw new RsyncTransferException($"{pkgName} has builds in every second of the day after {reservation.ProposedTimestamp} at {_moduleUrl}/{RepoDir}/{target}");
    }

    /// <summary>
    /// Claims each package of the result for its build before anything is published, by marker as timestamps are reserved:
    /// the build leaves <see cref="TargetLedger.ClaimMarker"/> in <c>repo/TARGET/.reimzul/nevras/KEY.claims/</c>, then lists it.
    /// Another build's marker there, or the local store's claim file <c>nevras/KEY</c> naming another build, holds the package
    /// while that build's dir is in the repo. A held package refuses the result; with <see cref="StoredResult.Replace"/> a build
    /// that has published it moves to <c>attic/</c>, but one still publishing (its result not yet arrived) refuses even then:
    /// of two builds racing for one package, the one that listed after both markers arrived sees the other, so at most one wins.
    /// </summary>
    /// <exception cref="InvalidDataException">Another build of the target holds one of the packages (<see cref="ResultManifests.AlreadyPublishedWords"/>).</exception>
    private async Task<Claims> ClaimPackagesAsync(StoredResult result, string source, string owner, CancellationToken cancellationToken)
    {
        var build = TargetLedger.BuildOf(owner);
        var marker = TargetLedger.ClaimMarker(build);
        var packages = PackagesIn(source);
        var placed = new List<string>();
        var claims = new Claims(result.Target, owner, packages, placed);
        var published = new List<(string Nevra, string Build)>();
        (string Nevra, string Build)? inFlight = null;
        foreach (var nevra in packages)
        {
            var claimsDir = ClaimsDir(result.Target, nevra);
            if ((await ListAsync(claimsDir, cancellationToken))?.Contains(marker) != true)
            {
                await UploadTextAsync(claimsDir + "/" + marker, TargetLedger.ClaimText(owner, nevra), cancellationToken);
                placed.Add(nevra);
            }
            List<string> holders = [];
            foreach (var name in await ListAsync(claimsDir, cancellationToken) ?? [])
            {
                if (name != marker && await DownloadTextAsync(claimsDir + "/" + name, cancellationToken) is { } text)
                {
                    holders.Add(text);
                }
            }
            if (await DownloadTextAsync(ClaimFile(result.Target, nevra), cancellationToken) is { } local)
            {
                holders.Add(local);
            }
            foreach (var other in holders.Select(text => text.Split('\n')[0].Trim()).Where(o => IsOwner(o) && TargetLedger.BuildOf(o) != build).Distinct(StringComparer.Ordinal))
            {
                var otherBuild = TargetLedger.BuildOf(other);
                if (await ListAsync($"{RepoDir}/{result.Target}/{other}", cancellationToken) is not null)
                {
                    published.Add((nevra, otherBuild));
                }
                else if (await ListAsync($"{RepoDir}/{result.Target}/{otherBuild}", cancellationToken) is not null)
                {
                    inFlight ??= (nevra, otherBuild);
                }
            }
        }

        if (inFlight is not null || (published.Count > 0 && !result.Replace))
        {
            var (nevra, holder) = inFlight ?? published[0];
            await ReleaseAsync(claims, placed, cancellationToken);
            throw new InvalidDataException(ResultManifests.AlreadyPublished(nevra, result.Target, holder));
        }
        foreach (var replaced in published.Select(p => p.Build).Distinct(StringComparer.Ordinal))
        {
            await MoveToAtticAsync(result.Target, replaced, cancellationToken);
        }
        return claims;
    }

    /// <summary>Best effort: takes back the markers this store left, so a result that never arrived holds no package.</summary>
    private async Task ReleaseAsync(Claims claims, IReadOnlyList<string> nevras, CancellationToken cancellationToken)
    {
        foreach (var nevra in nevras)
        {
            await RemoveAsync(ClaimsDir(claims.Target, nevra), TargetLedger.ClaimMarker(TargetLedger.BuildOf(claims.Owner)), cancellationToken);
        }
    }

    /// <summary>
    /// Writes the claim files the local store reads (<c>nevras/KEY</c>), so a bstore storing HTTP uploads refuses what this
    /// build published. Best effort: the markers hold the packages for the rsync stores whatever happens here.
    /// </summary>
    private async Task RecordClaimsAsync(Claims claims)
    {
        foreach (var nevra in claims.Packages)
        {
            try
            {
                await UploadTextAsync(ClaimFile(claims.Target, nevra), TargetLedger.ClaimText(claims.Owner, nevra), CancellationToken.None);
            }
            catch (RsyncTransferException ex)
            {
                _logger.LogWarning("stored {Owner} of {Target} but could not record its claim of {Nevra}: {Reason}", claims.Owner, claims.Target, nevra, ex.Message);
            }
        }
    }

    /// <summary>
    /// Takes build <paramref name="build"/> (<c>PKGNAME/TIMESTAMP</c>) of <paramref name="target"/> out of the repo into
    /// <c>attic/TARGET/PKGNAME/TIMESTAMP/</c> (as the local store does; the module holds both), so createrepo_c's next run drops
    /// it. A daemon cannot rename, so the build is fetched, sent to the attic hard-linked to the repo's files, and deleted.
    /// </summary>
    private async Task MoveToAtticAsync(string target, string build, CancellationToken cancellationToken)
    {
        var from = $"{RepoDir}/{target}/{build}";
        var pkgName = build.Split('/')[0];
        var timestamp = build.Split('/')[1];
        var atticPkg = $"{AtticDir}/{target}/{pkgName}";
        var taken = await ListAsync(atticPkg, cancellationToken) ?? [];
        var name = timestamp;
        for (var n = 2; taken.Contains(name); n++)
        {
            name = timestamp + "." + n.ToString(CultureInfo.InvariantCulture);
        }
        var local = Directory.CreateTempSubdirectory("reimzul-rsync-");
        try
        {
            var copy = Path.Combine(local.FullName, "build");
            Directory.CreateDirectory(copy);
            await QueryAsync("fetch replaced build", _commands.DownloadTree(from, copy), cancellationToken);
            await QueryAsync("move to attic", _commands.UploadLinked(copy, atticPkg + "/" + name, from), cancellationToken);
        }
        finally
        {
            local.Delete(recursive: true);
        }
        await RemoveAsync($"{RepoDir}/{target}/{pkgName}", timestamp, cancellationToken);
        _logger.LogWarning("replaced build {Build} of {Target}: moved out of the repo to {Attic}", build, target, _commands.Url(atticPkg + "/" + name));
    }

    /// <summary>Deletes <paramref name="name"/> (a file or a dir) from <paramref name="parent"/> in the module.</summary>
    private async Task RemoveAsync(string parent, string name, CancellationToken cancellationToken)
    {
        var empty = Directory.CreateTempSubdirectory("reimzul-rsync-");
        try
        {
            await QueryAsync("remove", _commands.RemoveEntry(empty.FullName, parent, name), cancellationToken);
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }

    /// <summary>The NEVRA of every RPM of the result, from its header; a file that is not one cannot be indexed, so it claims nothing.</summary>
    private static List<string> PackagesIn(string source)
    {
        var packages = new List<string>();
        foreach (var rpm in Directory.EnumerateFiles(source, "*.rpm", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            try
            {
                packages.Add(TargetLedger.Nevra(RpmHeaderReader.Read(rpm)));
            }
            catch (RpmFormatException)
            {
                continue;
            }
        }
        return [.. packages.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Whether a claim names a result dir (<c>PKGNAME/TIMESTAMP/EVR.ARCH</c>); what names none claims nothing, and never becomes a path.</summary>
    private static bool IsOwner(string owner) =>
        owner.Split('/') is [var pkgName, var timestamp, var evrArch]
        && InputRules.TryValidatePathComponent("pkgname", pkgName, out _)
        && InputRules.TryValidatePathComponent("timestamp", timestamp, out _)
        && InputRules.TryValidatePathComponent("evr.arch", evrArch, out _);

    private static string ClaimFile(string target, string nevra) => $"{RepoDir}/{target}/.reimzul/nevras/{TargetLedger.ClaimKey(nevra)}";

    private static string ClaimsDir(string target, string nevra) => ClaimFile(target, nevra) + ".claims";

    /// <summary><c>PKGNAME/TIMESTAMP/EVR.ARCH</c>: the result dir relative to its target, as the ledger names an owner.</summary>
    private static string OwnerOf(StoredResult result) => $"{result.PkgName}/{result.Timestamp}/{result.Evr}.{result.Arch}";

    /// <summary>The packages of a result, and those this store left a marker for (not there before).</summary>
    private sealed record Claims(string Target, string Owner, IReadOnlyList<string> Packages, List<string> Placed);

    /// <exception cref="RsyncTransferException">The daemon stayed unreachable.</exception>
    public async Task<StoredOutcome?> FindStoredAsync(ResultPlace place, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(place);
        var path = FinalPath(new StoredResult("", place.Target, place.PkgName, place.Timestamp, place.Evr, place.Arch)) + "/" + StoredOutcome.FileName;
        return await DownloadTextAsync(path, cancellationToken) is { } text && StoredOutcome.TryParse(text, out var outcome) ? outcome : null;
    }

    private async Task<IReadOnlyList<string>?> ListAsync(string remoteDir, CancellationToken cancellationToken)
    {
        var (found, output) = await QueryAsync("list", _commands.List(remoteDir), cancellationToken);
        return found ? RsyncCommands.ListedNames(output) : null;
    }

    private async Task<string?> DownloadTextAsync(string remoteFile, CancellationToken cancellationToken)
    {
        var local = Directory.CreateTempSubdirectory("reimzul-rsync-");
        try
        {
            var (found, _) = await QueryAsync("download", _commands.Download(remoteFile, local.FullName), cancellationToken);
            var file = Path.Combine(local.FullName, remoteFile[(remoteFile.LastIndexOf('/') + 1)..]);
            return found && File.Exists(file) ? await File.ReadAllTextAsync(file, cancellationToken) : null;
        }
        finally
        {
            local.Delete(recursive: true);
        }
    }

    private async Task UploadTextAsync(string remoteFile, string text, CancellationToken cancellationToken)
    {
        var local = Directory.CreateTempSubdirectory("reimzul-rsync-");
        try
        {
            var file = Path.Combine(local.FullName, "upload");
            await File.WriteAllTextAsync(file, text, cancellationToken);
            await QueryAsync("upload", _commands.UploadFile(file, remoteFile), cancellationToken);
        }
        finally
        {
            local.Delete(recursive: true);
        }
    }

    /// <summary>One small rsync run, retried while the daemon is away; false when what it reads does not exist (rsync's 23, "No such file").</summary>
    private async Task<(bool Found, string Output)> QueryAsync(string step, ProcessSpec spec, CancellationToken cancellationToken)
    {
        var schedule = _retry.Start(_time);
        while (true)
        {
            var (failure, output) = await RunAsync(step, spec, cancellationToken);
            if (failure is null)
            {
                return (true, output);
            }
            if (failure.ExitCode == PartialTransfer && failure.Detail.Contains("No such file", StringComparison.Ordinal))
            {
                return (false, "");
            }
            var decision = failure.Permanent ? null : schedule.Failed();
            if (decision is null || decision.GivesUp)
            {
                throw new RsyncTransferException($"rsync {step} at {_moduleUrl} failed{(decision is null ? "" : " " + decision.GiveUpReason)}: {failure.Describe()}");
            }
            _logger.LogWarning("rsync {Step} at {Module} failed: {Failure}; trying again in {Delay:0.0} s", step, _moduleUrl, failure.Describe(), decision.Delay.TotalSeconds);
            await Task.Delay(decision.Delay, _time, cancellationToken);
        }
    }

    /// <summary>One try of upload, publish and verify; null when the result is in place and identical.</summary>
    private async Task<Failure?> TryTransferAsync(string source, string stagingPath, string finalPath, CancellationToken cancellationToken)
    {
        var upload = await RunAsync("upload", _commands.Upload(source, stagingPath), cancellationToken);
        if (upload.Failure is { } uploadFailure)
        {
            return uploadFailure;
        }
        var publish = await RunAsync("publish", _commands.Publish(source, finalPath, stagingPath), cancellationToken);
        if (publish.Failure is { } publishFailure)
        {
            return publishFailure;
        }
        var verify = await RunAsync("verify", _commands.Verify(source, finalPath), cancellationToken);
        if (verify.Failure is { } verifyFailure)
        {
            return verifyFailure;
        }
        var differences = verify.Output
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith(RsyncCommands.DifferenceMarker, StringComparison.Ordinal))
            .Select(line => line[RsyncCommands.DifferenceMarker.Length..])
            .ToList();
        return differences.Count == 0
            ? null
            : new Failure("verify", 0, "the files on the bstore differ from the result: " + string.Join(", ", differences.Take(10)), Permanent: false);
    }

    private async Task<(Failure? Failure, string Output)> RunAsync(string step, ProcessSpec spec, CancellationToken cancellationToken)
    {
        ProcessResult run;
        try
        {
            run = await _runner.RunAsync(spec, cancellationToken);
        }
        catch (ProcessStartException ex)
        {
            return (new Failure(step, CouldNotStart, ex.Message, Permanent: true), "");
        }
        return run.Succeeded
            ? (null, run.StandardOutput)
            : (new Failure(step, run.ExitCode, Tail(run.StandardError), PermanentExitCodes.Contains(run.ExitCode)), run.StandardOutput);
    }

    /// <summary>Best effort: a staging dir left behind takes space on the bstore until it is aged out, nothing else.</summary>
    private async Task RemoveStagingAsync(string stagingId, CancellationToken cancellationToken)
    {
        var staging = StagingRoot + "/" + stagingId;
        try
        {
            var empty = Directory.CreateTempSubdirectory("reimzul-rsync-");
            try
            {
                var (failure, _) = await RunAsync("remove staging", _commands.RemoveEntry(empty.FullName, StagingRoot, stagingId), cancellationToken);
                if (failure is not null)
                {
                    _logger.LogWarning("could not remove {Staging} on the bstore: {Failure}", staging, failure.Describe());
                }
            }
            finally
            {
                empty.Delete(recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("could not remove {Staging} on the bstore: {Reason}", staging, ex.Message);
        }
    }

    /// <summary>The result's place relative to the module; names pass the checks of the local store.</summary>
    private static string FinalPath(StoredResult result)
    {
        var target = PathSegments.Check(result.Target, "target");
        var pkgName = PathSegments.CheckPkgName(result.PkgName);
        var timestamp = PathSegments.Check(result.Timestamp, "timestamp");
        var evr = PathSegments.Check(result.Evr, "evr");
        var arch = PathSegments.Check(result.Arch, "arch");
        return string.Join('/', RepoDir, target, pkgName, timestamp, evr + "." + arch);
    }

    // rsync ends with a generic "rsync error: ... (code N)" line; the lines before it say what went wrong.
    private static string Tail(string stderr)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var text = string.Join("; ", lines.TakeLast(4));
        return text.Length <= 600 ? text : text[^600..];
    }

    private sealed record Failure(string Step, int ExitCode, string Detail, bool Permanent)
    {
        public string Describe() => ExitCode > 0 ? $"{Step}: rsync exited with {ExitCode}: {Detail}" : $"{Step}: {Detail}";
    }
}
